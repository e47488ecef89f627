# Check suites: tests/check-all.c runs every make_<module>_suite().
TESTS_SRC := $(wildcard tests/*.c)
TESTS_OBJ := $(TESTS_SRC:%.c=$(BUILD)/%.o)

$(BUILD)/tests/check-all: $(TESTS_OBJ) $(ENOS_LIBS) $(BUILD)/bin/enos
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TESTS_OBJ) $(ENOS_LINK) $(LDLIBS) $(CHECK_LIBS)

# libFuzzer harnesses of the parsers of outside input (clang): `make fuzz`
# builds them, then e.g. `build/fuzz/fuzz_jsonl -max_total_time=60
# tests/fuzz/corpus/jsonl` (give a scratch directory first to keep what it
# finds out of the tree's corpus).
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined
FUZZ_UTIL  := util/strbuf.c util/str.c util/fs.c util/escape.c util/suggest.c

$(BUILD)/fuzz/fuzz_jsonl: tests/fuzz/fuzz_jsonl.c workloads/jsonl.c $(FUZZ_UTIL)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $^ $(shell pkg-config --libs jansson) -lm

$(BUILD)/fuzz/fuzz_rally: tests/fuzz/fuzz_rally.c workloads/rally.c $(FUZZ_UTIL)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $^ $(shell pkg-config --libs jansson) -lm

$(BUILD)/fuzz/fuzz_ci: tests/fuzz/fuzz_ci.c enos/ci.c util/units.c util/yload.c util/yamldoc.c $(FUZZ_UTIL)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $^ $(shell pkg-config --libs yaml-0.1) -lm

# The host protocol's harness links the built libraries for the registries
# host.c asks (only host.c itself is instrumented).
$(BUILD)/fuzz/fuzz_host: tests/fuzz/fuzz_host.c enos/host.c $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -DENOS_COMMIT='"fuzz"' -o $@ tests/fuzz/fuzz_host.c enos/host.c $(ENOS_LINK) $(LDLIBS)

fuzz: $(BUILD)/fuzz/fuzz_jsonl $(BUILD)/fuzz/fuzz_rally $(BUILD)/fuzz/fuzz_ci $(BUILD)/fuzz/fuzz_host

.PHONY: fuzz
