# enos — one top-level make; each directory contributes a module.mk (no recursive make).
#
#   make            build bin/enos and the test runner
#   make test       install missing Debian packages, build, run tools/checksrc, then unit + system tests
#   make run        install, build enos, run topologies/default.yaml (OpenStack) end to end
#   make checksrc   check the sources against the house rules (tools/checksrc)
#   make asan       build with -fsanitize=address,undefined into build-asan/ and run the tests
#   make fuzz       build the libFuzzer harnesses with clang into build-fuzz/ and run each for
#                   FUZZ_SECONDS (default 60) from tests/fuzz/corpus (tests/fuzz/README.md)
#   make bench-scale  bring-up/teardown benchmark against ip -batch and mininet
#   make bench-backends  bring-up time and memory per node, per node backend
#   make nightly    the CI gate: benchmarks/nightly.yaml against its thresholds (enos ci)

BUILD   ?= build
CC      ?= cc
PKGS    := libnl-3.0 libnl-route-3.0 yaml-0.1 sqlite3 libvirt libvirt-lxc jansson libcurl \
           libnftnl libmnl
CPPFLAGS += -I. -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# OPTFLAGS and SANFLAGS are set by `make asan`; CFLAGS stays the user's own,
# so `make CFLAGS=...` can add flags but never drop the warnings.
OPTFLAGS ?= -O2 -g
WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror
ALL_CFLAGS = $(WARNFLAGS) $(OPTFLAGS) $(SANFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
CHECK_LIBS = $(shell pkg-config --libs check libxml-2.0 2>/dev/null)

all: $(BUILD)/bin/enos $(BUILD)/tests/check-all

# libxml2 is the tests' only: they parse the JUnit XML of `enos ci` back.
$(BUILD)/tests/test_ci.o $(BUILD)/tests/sys_ci.o: CPPFLAGS += $(shell pkg-config --cflags libxml-2.0 2>/dev/null)

include util/module.mk
include emulator/module.mk
include workloads/module.mk
include reports/module.mk
include enos/module.mk
include tests/module.mk
include benchmarks/module.mk
include agent/module.mk

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

bin/enos: $(BUILD)/bin/enos $(BUILD)/bin/enos-agent
	@mkdir -p bin
	cp $< $@
	cp $(BUILD)/bin/enos-agent bin/enos-agent

# Debian packages the project needs at build, test and run time.
# qemu-system-x86, linux-image-cloud-amd64, cpio and busybox-static boot the
# guest in which the netem backend is tested (this host's kernel has none);
# iperf3 measures rates; libvirt runs lxc (and qemu) nodes; etcd-server and
# etcd-client are the etcd stack (workloads/stacks/etcd.yaml) that sys_stack
# and topologies/etcd.yaml deploy; libnftnl-dev and libmnl-dev build the
# gateways' traffic counters (emulator/traffic_nft.c); openssh-server runs the
# sshd of each emulated host in sys_hosts (the enos host protocol over ssh).
DEBS := build-essential pkg-config libnl-3-dev libnl-route-3-dev libyaml-dev \
        libsqlite3-dev sqlite3 libjansson-dev libcurl4-openssl-dev check libxml2-dev iproute2 iputils-ping gnuplot-nox iperf3 \
        qemu-system-x86 linux-image-cloud-amd64 cpio busybox-static openvswitch-switch \
        libvirt-dev libvirt-daemon libvirt-daemon-driver-lxc libvirt-daemon-driver-qemu \
        libvirt-clients etcd-server etcd-client libnftnl-dev libmnl-dev openssh-server
deps:
	@./tools/install-deps $(DEBS)

# The OpenStack stack (workloads/stacks/openstack.yaml), deployed by
# `make run` (topologies/default.yaml), sys_openstack and bench-openstack,
# and Rally for its workloads: about 1.1 GiB, so kept out of DEBS (`make`
# alone does not need them).
OPENSTACK_DEBS := mariadb-server rabbitmq-server memcached keystone placement-api \
        glance-api nova-api nova-conductor nova-scheduler nova-compute neutron-server \
        python3-openstackclient uwsgi-plugin-python3 curl util-linux rally python3-rally-openstack
deps-openstack:
	@./tools/install-deps $(OPENSTACK_DEBS)

# The default experiment: what is missing of both package sets in one
# apt-get run, then enos alone (not the tests) in a sub-make, which starts
# only once the packages are in (even under make -j) and runs on every core,
# then OpenStack over the 7-region fog of topologies/default.yaml.
NPROC := $(shell nproc 2>/dev/null || echo 1)
run:
	@./tools/install-deps $(DEBS) $(OPENSTACK_DEBS)
	@$(MAKE) --no-print-directory -j$(NPROC) bin/enos
	./bin/enos run topologies/default.yaml

# The nightly CI gate (README.md, "CI and nightly runs"): benchmarks/nightly.yaml
# run (enos ci runs the sweep) and checked against its thresholds. The sweep's
# log and the table go to stdout and NIGHTLY_DIR/ci.txt, JUnit XML and JSON
# beside it. make succeeds only when enos ci exits 0 (every threshold passed);
# enos ci's 1 (a threshold or the run failed) or 2 (usage) make it fail
# (make exits 2). NIGHTLY_ARGS="--sweep nightly" checks the stored runs
# again without running anything; "--resume" finishes an interrupted night.
NIGHTLY_DIR ?= results/nightly
NIGHTLY_ARGS ?=
nightly: all
	@mkdir -p $(NIGHTLY_DIR)
	./$(BUILD)/bin/enos ci benchmarks/nightly.yaml $(NIGHTLY_ARGS) \
		--junit $(NIGHTLY_DIR)/junit.xml --json $(NIGHTLY_DIR)/ci.json \
		> $(NIGHTLY_DIR)/ci.txt; rc=$$?; cat $(NIGHTLY_DIR)/ci.txt; exit $$rc

# The source checks first: a tree that breaks a house rule fails before
# any suite runs.
test: deps deps-openstack all
	./tools/checksrc
	./tools/run-tests $(BUILD)

# The house rules a machine can check (tools/checksrc --help lists them).
checksrc:
	./tools/checksrc

asan:
	$(MAKE) BUILD=build-asan SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" OPTFLAGS="-O1 -g" all
	ENOS_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ./tools/run-tests build-asan

# Fuzzing (tests/fuzz/README.md). The whole tree is built with clang and
# -fsanitize=fuzzer-no-link,address,undefined into build-fuzz/ (as `make
# asan` does into build-asan/), and each harness runs for FUZZ_SECONDS,
# one after the other, niced. libFuzzer writes new inputs into the first
# corpus directory it is given: FUZZ_SCRATCH/NAME, outside the tree; the
# tree's corpus is only read. A crash, leak, timeout or out-of-memory input
# is written into tests/fuzz/crashes/NAME/, where the replay suite of
# `make test` picks it up: commit it with its fix.
FUZZ_SECONDS ?= 60
FUZZ_SCRATCH ?= build-fuzz/scratch
FUZZ_DEBS := clang-14 libclang-rt-14-dev libfuzzer-14-dev
FUZZ_RUN_NAMES ?= $(FUZZ_NAMES)

deps-fuzz:
	@./tools/install-deps $(FUZZ_DEBS)

fuzz: deps-fuzz
	$(MAKE) BUILD=build-fuzz CC=clang-14 OPTFLAGS="-O1 -g" \
		SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" fuzz-build
	@failed=""; for n in $(FUZZ_RUN_NAMES); do \
		mkdir -p $(FUZZ_SCRATCH)/$$n tests/fuzz/crashes/$$n; \
		dict=""; [ -f tests/fuzz/$$n.dict ] && dict="-dict=tests/fuzz/$$n.dict"; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		nice ./build-fuzz/fuzz/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 -rss_limit_mb=2048 -timeout=10 $$dict \
			-artifact_prefix=tests/fuzz/crashes/$$n/ \
			$(FUZZ_SCRATCH)/$$n tests/fuzz/corpus/$$n \
			2>$(FUZZ_SCRATCH)/$$n.log || failed="$$failed $$n"; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
			$(FUZZ_SCRATCH)/$$n.log | sed "s/^/fuzz: $$n /"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: failed:$$failed (inputs in tests/fuzz/crashes/, logs in $(FUZZ_SCRATCH)/)"; exit 1; fi

clean:
	rm -rf build build-asan build-fuzz bin

.PHONY: all deps deps-openstack deps-fuzz run test checksrc asan fuzz clean nightly

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
