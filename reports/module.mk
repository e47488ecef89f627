# libreports: results database -> summaries (and later gnuplot figures and HTML).
REPORTS_SRC := $(wildcard reports/*.c)
REPORTS_OBJ := $(REPORTS_SRC:%.c=$(BUILD)/%.o)
REPORTS_LIB := $(BUILD)/libreports.a

$(REPORTS_LIB): $(REPORTS_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
