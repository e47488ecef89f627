# libworkloads: what runs inside nodes and how: the stack language, placement,
# templates, the service supervisor and its readiness client, the RTT probe.
WORKLOADS_SRC := $(wildcard workloads/*.c)
WORKLOADS_OBJ := $(WORKLOADS_SRC:%.c=$(BUILD)/%.o)
WORKLOADS_LIB := $(BUILD)/libworkloads.a

$(WORKLOADS_LIB): $(WORKLOADS_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
