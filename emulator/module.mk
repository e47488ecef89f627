# libemulator: nodes, LANs, gateways, routes, shaping, capability probes. Never prints.
EMULATOR_SRC := $(wildcard emulator/*.c)
EMULATOR_OBJ := $(EMULATOR_SRC:%.c=$(BUILD)/%.o)
EMULATOR_LIB := $(BUILD)/libemulator.a

$(EMULATOR_LIB): $(EMULATOR_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
