# bootbox: one non-recursive Makefile. Every .c under services/*/, firmware/,
# board/linux/ and board/posix/ is part of the program; tests/unit/*_test.c each become a
# test binary; tests/fuzz/fuzz_*.c each a libFuzzer target and a replay binary.

CC      ?= cc
BUILD   ?= build
SAN     ?=
FUZZ_CC ?= clang
PREFIX  ?= /usr/local

WARN := -std=c11 -Wall -Wextra -Wformat-nonliteral -Wsign-compare -Wvla -Werror
ifeq ($(shell $(CC) --version 2>/dev/null | grep -c clang),0)
WARN += -Wshift-overflow=2
endif
CPPFLAGS += -D_GNU_SOURCE -I. -Iservices -MMD -MP
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -fno-strict-aliasing
ifneq ($(SAN),)
CFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SAN)
endif
# libyaml and mbedTLS linked statically (Debian ships the .a): only the
# code we use is in the binary, and the idle appliance maps and touches
# fewer pages (idle RSS under 2 MiB); cJSON has no static archive
LIBS := -Wl,-Bstatic -lyaml -lmbedtls -lmbedx509 -lmbedcrypto -Wl,-Bdynamic \
	-lcjson -lpthread

SVC_SRC   := $(sort $(wildcard services/*/*.c))
FW_SRC    := $(sort $(wildcard firmware/*/*.c))
# board/posix: the POSIX file code both boards build on (the lwIP board
# links the same library)
BOARD_SRC := $(sort $(wildcard board/linux/*.c board/posix/*.c))
LIB_SRC   := $(SVC_SRC) $(FW_SRC) $(BOARD_SRC)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/libbootbox.a
BIN       := $(BUILD)/bootbox

UNIT_SRC  := $(sort $(wildcard tests/unit/*_test.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRC:= $(sort $(wildcard tests/tools/*.c))
HELPER_BIN:= $(HELPER_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%.replay)
FUZZ_BUILD := build-fuzz
FUZZ_BIN  := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
SVC_FUZZ_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

.SECONDARY:

.PHONY: all test test-asan test-unit fuzz fuzz-build check check-layering \
	format format-check bench demo deps firmware images clean testnode

all: $(BIN) $(UNIT_BIN) $(HELPER_BIN) $(FUZZ_REPLAY)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(BUILD)/obj/firmware/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/fuzz/%.replay: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/obj/tests/fuzz/replay.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# libFuzzer builds link the library (engines, the config loader, serve).
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 -Wall -Wextra -Werror $(FUZZ_FLAGS) -c $< -o $@

# An archive, as for the program: a target's own fakes of board.h calls
# (fuzz_lwip_http's board) win over the Linux board's.
FUZZ_LIB := $(FUZZ_BUILD)/libbootbox.a
$(FUZZ_LIB): $(SVC_FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/%: $(FUZZ_BUILD)/obj/tests/fuzz/%.o $(FUZZ_LIB)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

fuzz-build: $(FUZZ_BIN)

# The lwIP board (board/lwip): lwIP from Debian's source package, fetched
# by `make deps` (.ci/lwip_src.sh); its RAM is sized in board/lwip/lwipopts.h
# and printed here with size(1).
LWIP_SRC  ?= /var/cache/bootbox-deps/lwip
LWIP_CORE := $(sort $(wildcard $(LWIP_SRC)/src/core/*.c $(LWIP_SRC)/src/core/ipv4/*.c)) \
	$(LWIP_SRC)/src/netif/ethernet.c
LWIP_OBJ  := $(LWIP_CORE:$(LWIP_SRC)/%.c=$(BUILD)/lwip/%.o)
LWB_SRC   := $(sort $(wildcard board/lwip/*.c))
LWB_OBJ   := $(LWB_SRC:%.c=$(BUILD)/obj/%.o)
LWIP_INC  := -Iboard/lwip -I$(LWIP_SRC)/src/include
FW_LWIP   := $(BUILD)/bootbox-lwip
# built with `all` once make deps has fetched the lwIP source
FW_LWIP_IF := $(if $(wildcard $(LWIP_SRC)/src/include/lwip/init.h),$(FW_LWIP))
all: $(FW_LWIP_IF)

$(BUILD)/lwip/%.o: $(LWIP_SRC)/%.c board/lwip/lwipopts.h board/lwip/arch/cc.h
	@mkdir -p $(dir $@)
	$(CC) -Iboard/lwip -I$(LWIP_SRC)/src/include -O2 -g -w -c $< -o $@

$(BUILD)/obj/board/lwip/%.o: board/lwip/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(LWIP_INC) $(CFLAGS) -c $< -o $@

$(FW_LWIP): $(LWB_OBJ) $(LWIP_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(LWB_OBJ) $(LWIP_OBJ) $(LIB) $(LIBS)
	@echo "bootbox-lwip static RAM (lwIP heap and pools, our tables):"
	@size $(LWIP_OBJ) $(LWB_OBJ) | awk 'NR>1 {t+=$$1; d+=$$2; b+=$$3} END {printf "  lwIP + board/lwip: text %d data %d bss %d\n", t, d, b}'
	@size $@

firmware:
	@test -f $(LWIP_SRC)/src/include/lwip/init.h || { \
	  echo "firmware: no lwIP source in $(LWIP_SRC) (run make deps)"; exit 1; }
	@$(MAKE) --no-print-directory $(FW_LWIP)

# FUZZ_SECONDS per target; CI keeps it short.
FUZZ_SECONDS ?= 30
fuzz: fuzz-build
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	  echo "fuzz $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n >$(FUZZ_BUILD)/$$n.log 2>&1 \
	    || { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; done

test-unit: $(UNIT_BIN) $(FUZZ_REPLAY)
	@BUILD=$(BUILD) bash tests/run.sh unit replay

# The tree's rules first (layering, format): they fail in seconds, not
# after the suites. The ASan build is clang's, so both compilers build.
test: check-layering format-check all
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=address,undefined CC=clang all
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=$(BUILD) ASAN_BUILD=build-asan FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  bash tests/run.sh unit asan replay fuzz integration boot

test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=address,undefined CC=clang all
	@BUILD=build-asan bash tests/run.sh unit replay integration

check: check-layering format-check
	@$(MAKE) --no-print-directory CC=gcc BUILD=build-gcc all
	@$(MAKE) --no-print-directory CC=clang BUILD=build-clang all
	@$(MAKE) --no-print-directory test

# Each layer includes only the ones below it (the rules and the shrinking
# list of includes still to move are in tests/layering.sh).
check-layering:
	@bash tests/layering.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

bench: all
	@BUILD=$(BUILD) bash tests/bench/run.sh

# deps first: on a fresh machine nothing is installed yet (demo.sh builds)
demo:
	@BUILD=$(BUILD) bash tests/boot/demo.sh

testnode:
	@bash images/testnode/build.sh $(BUILD)/testnode

# as root: the Incus/LXC image and the boot-box disk image, from cached
# Debian base roots (images/lib.sh)
images: testnode $(BIN)
	@bash images/incus/build.sh $(BUILD)
	@bash images/disk/build.sh $(BUILD)

deps:
	@bash .ci/deps.sh

# The binary, the systemd unit, the bootbox user and (never over an
# operator's file) the example configuration. DESTDIR is how the images
# install it into their roots.
install: $(BIN)
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/bootbox
	install -D -m 0644 docs/man/bootbox.8 $(DESTDIR)$(PREFIX)/share/man/man8/bootbox.8
	install -D -m 0644 docs/completion/bootbox.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/bootbox
	@mkdir -p $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's#/usr/local/bin/bootbox#$(PREFIX)/bin/bootbox#' images/systemd/bootbox.service \
	  > $(DESTDIR)$(PREFIX)/lib/systemd/system/bootbox.service
	@[ -e $(DESTDIR)/etc/bootbox/bootbox.yaml ] || \
	  install -D -m 0644 docs/example/bootbox.yaml $(DESTDIR)/etc/bootbox/bootbox.yaml
	@if command -v systemd-sysusers >/dev/null; then \
	  systemd-sysusers --root=$(DESTDIR)/ - < images/systemd/bootbox.sysusers; \
	elif ! getent passwd bootbox >/dev/null && [ -z "$(DESTDIR)" ]; then \
	  useradd --system --home-dir /var/lib/bootbox --shell /usr/sbin/nologin bootbox; fi

clean:
	rm -rf build build-* $(FUZZ_BUILD)

-include $(shell find $(BUILD) $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
