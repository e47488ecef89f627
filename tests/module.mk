# Check suites: tests/check-all.c runs every make_<module>_suite().
TESTS_SRC := $(wildcard tests/*.c)
TESTS_OBJ := $(TESTS_SRC:%.c=$(BUILD)/%.o)

# The libFuzzer harnesses of the parsers of outside input
# (tests/fuzz/README.md). Each tests/fuzz/fuzz_NAME.c is built twice:
# - with the project's compiler and flags, linked to tests/fuzz/replay.c,
#   as $(BUILD)/tests/fuzz/replay_NAME, which tests/test_fuzz_replay.c runs
#   over tests/fuzz/corpus/NAME and tests/fuzz/crashes/NAME (no clang
#   needed; sanitized under `make asan`);
# - by `make fuzz` with clang and -fsanitize=fuzzer,address,undefined as
#   $(BUILD)/fuzz/fuzz_NAME (in build-fuzz/, see the Makefile).
# FUZZ_LDFLAGS_NAME: what a harness adds to the link (fuzz_topo replaces
# the file reader, so a topology's matrix file comes from the input;
# fuzz_sweep likewise for the topology a sweep names).
FUZZ_NAMES := topo stack constraint units matrix wandctl wand_engine jsonl rally \
	ci sweep host trace
FUZZ_LDFLAGS_topo := -Wl,--wrap=fs_read_file
FUZZ_LDFLAGS_sweep := -Wl,--wrap=fs_read_file
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)
FUZZ_BIN := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/tests/check-all: $(TESTS_OBJ) $(ENOS_LIBS) $(BUILD)/bin/enos $(FUZZ_REPLAY)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TESTS_OBJ) $(ENOS_LINK) $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/tests/fuzz/replay_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FUZZ_LDFLAGS_$*) $(ENOS_LINK) $(LDLIBS)

# libFuzzer's main: only for a build whose objects carry
# -fsanitize=fuzzer-no-link (make fuzz).
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(FUZZ_LDFLAGS_$*) $(ENOS_LINK) $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

.PHONY: fuzz-build
.SECONDARY: $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/fuzz_%.o) $(BUILD)/tests/fuzz/replay.o
