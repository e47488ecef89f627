# libutil: what every layer shares and nothing else (strings, directory
# trees, units, did-you-mean). Includes nothing from the other directories.
UTIL_SRC := $(wildcard util/*.c)
UTIL_OBJ := $(UTIL_SRC:%.c=$(BUILD)/%.o)
UTIL_LIB := $(BUILD)/libutil.a

$(UTIL_LIB): $(UTIL_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
