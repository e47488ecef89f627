# Benchmarks of enos itself; each prints its figures and stores them in the
# results database.
$(BUILD)/bin/bench-scale: $(BUILD)/benchmarks/bench_scale.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/bench-wan: $(BUILD)/benchmarks/bench_wan.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/bench-backends: $(BUILD)/benchmarks/bench_backends.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

all: $(BUILD)/bin/bench-scale $(BUILD)/bin/bench-wan $(BUILD)/bin/bench-backends

bench-backends: deps all
	./$(BUILD)/bin/bench-backends --enos ./$(BUILD)/bin/enos

bench-wan: deps all
	./$(BUILD)/bin/bench-wan --enos ./$(BUILD)/bin/enos

bench-scale: deps all
	@./tools/install-deps mininet bridge-utils
	./$(BUILD)/bin/bench-scale --enos ./$(BUILD)/bin/enos

.PHONY: bench-scale bench-wan bench-backends
