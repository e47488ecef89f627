# Benchmarks of enos itself; each prints its figures and stores them in the
# results database.
$(BUILD)/bin/bench-scale: $(BUILD)/benchmarks/bench_scale.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench-scale: deps all $(BUILD)/bin/bench-scale
	@./tools/install-deps mininet
	./$(BUILD)/bin/bench-scale --enos ./$(BUILD)/bin/enos

.PHONY: bench-scale
