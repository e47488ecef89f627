# enos-agent: the guest end of `enos exec` for qemu nodes, packed into their
# initramfs. Static and from libc alone, and never sanitized (it runs in
# the guest, where no sanitizer runtime is), so it has rules of its own.
AGENT_SRC := agent/main.c emulator/agent.c
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/agent-obj/%.o)

$(BUILD)/agent-obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARNFLAGS) -O2 -MMD -MP $(CFLAGS) -c -o $@ $<

$(BUILD)/bin/enos-agent: $(AGENT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -static -o $@ $^

all: $(BUILD)/bin/enos-agent
