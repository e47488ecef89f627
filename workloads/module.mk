# libworkloads: probes and workload clients that run inside nodes.
WORKLOADS_SRC := $(wildcard workloads/*.c)
WORKLOADS_OBJ := $(WORKLOADS_SRC:%.c=$(BUILD)/%.o)
WORKLOADS_LIB := $(BUILD)/libworkloads.a

$(WORKLOADS_LIB): $(WORKLOADS_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^
