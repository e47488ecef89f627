# Benchmarks of enos itself; each prints its figures and stores them in the
# results database.
$(BUILD)/bin/bench-scale: $(BUILD)/benchmarks/bench_scale.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ENOS_LINK) $(LDLIBS)

$(BUILD)/bin/bench-wan: $(BUILD)/benchmarks/bench_wan.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ENOS_LINK) $(LDLIBS)

$(BUILD)/bin/bench-backends: $(BUILD)/benchmarks/bench_backends.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ENOS_LINK) $(LDLIBS)

$(BUILD)/bin/bench-openstack: $(BUILD)/benchmarks/bench_openstack.o $(BUILD)/tests/testutil.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ENOS_LINK) $(LDLIBS)

$(BUILD)/bin/bench-kv: $(BUILD)/benchmarks/bench_kv.o $(BUILD)/tests/testutil.o \
		$(BUILD)/tests/tu_etcd.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ENOS_LINK) $(LDLIBS)

all: $(BUILD)/bin/bench-scale $(BUILD)/bin/bench-wan $(BUILD)/bin/bench-backends \
     $(BUILD)/bin/bench-openstack $(BUILD)/bin/bench-kv

bench-backends: deps all
	./$(BUILD)/bin/bench-backends --enos ./$(BUILD)/bin/enos

bench-wan: deps all
	./$(BUILD)/bin/bench-wan --enos ./$(BUILD)/bin/enos

bench-scale: deps all
	@./tools/install-deps mininet bridge-utils
	./$(BUILD)/bin/bench-scale --enos ./$(BUILD)/bin/enos

# Deploy time per strategy, stack memory, server boot time at 0/20/100 ms
# central-edge RTT (about 15 minutes on 2 vCPUs).
bench-openstack: deps deps-openstack all
	./$(BUILD)/bin/bench-openstack --enos ./$(BUILD)/bin/enos

# kv-latency's own overhead per put against a plain libcurl loop and
# etcdctl, on one local etcd member (no root; about a minute).
bench-kv: deps all
	./$(BUILD)/bin/bench-kv

.PHONY: bench-scale bench-wan bench-backends bench-openstack bench-kv
