# enos: the command-line driver. enos/main.c holds main(); everything else
# goes into libenos.a so the tests link the same code. The commands
# (enos/cmd/*.c, one file per command as git's builtin/) get an archive of
# their own: ar keys members by file name, and enos/cmd/deploy.c and
# enos/deploy.c would replace each other in one archive.
ENOS_SRC := $(filter-out enos/main.c,$(wildcard enos/*.c))
ENOS_OBJ := $(ENOS_SRC:%.c=$(BUILD)/%.o)
ENOS_LIB := $(BUILD)/libenos.a
ENOS_CMD_SRC := $(wildcard enos/cmd/*.c)
ENOS_CMD_OBJ := $(ENOS_CMD_SRC:%.c=$(BUILD)/%.o)
ENOS_CMD_LIB := $(BUILD)/libenoscmd.a
# Link order: the commands use libenos, enos uses reports and workloads,
# which use emulator.
ENOS_LIBS := $(ENOS_CMD_LIB) $(ENOS_LIB) $(REPORTS_LIB) $(WORKLOADS_LIB) $(EMULATOR_LIB) $(UTIL_LIB)

$(ENOS_LIB): $(ENOS_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(ENOS_CMD_LIB): $(ENOS_CMD_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/bin/enos: $(BUILD)/enos/main.o $(ENOS_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(ENOS_LINK) $(LDLIBS)

# The archives as the linker must see them: libworkloads.a (stacks,
# placement, the supervisor) calls the validated model's functions in
# libenos.a (topo.o), which calls libworkloads.a, so no single order
# resolves every reference; a group is searched again until nothing new
# resolves. Every binary that links ENOS_LIBS links $(ENOS_LINK).
ENOS_LINK = -Wl,--start-group $(ENOS_LIBS) -Wl,--end-group

