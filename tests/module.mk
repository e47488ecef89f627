# Check suites: tests/check-all.c runs every make_<module>_suite().
TESTS_SRC := $(wildcard tests/*.c)
TESTS_OBJ := $(TESTS_SRC:%.c=$(BUILD)/%.o)

$(BUILD)/tests/check-all: $(TESTS_OBJ) $(ENOS_LIBS) $(BUILD)/bin/enos
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TESTS_OBJ) $(ENOS_LINK) $(LDLIBS) $(CHECK_LIBS)
