# Touchstone: a plain GNU Makefile. Objects in build/, the program in
# ./touchstone. `make run` and `make test` first install what is missing
# (scripts/setup); `make` alone only builds.

CC ?= gcc
PKGS = sqlite3 jansson libsodium libmicrohttpd gsl libpq libcurl libqrencode \
       libcrypto
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
       -Wno-format-nonliteral
# Evaluated when a recipe runs, so scripts/setup can install them first.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# libpq, libcurl, libmicrohttpd and libcrypto are loaded when first used
# (core/dynlib.h), not linked.
LINKED_PKGS = $(filter-out libpq libcurl libmicrohttpd libcrypto,$(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(LINKED_PKGS)) -lcsv -lm -lpthread -ldl
, := ,
# The program links these statically (Debian's -dev packages ship the
# archives, built as the shared objects are): the loader then maps and
# relocates five shared objects fewer at every start, about 1 ms of CPU of
# a short command such as `report practitioner`. A security update of one
# of them needs a rebuild. `make STATIC_LIBS=` links every one shared.
STATIC_LIBS ?= -lsqlite3 -ljansson -lgsl -lgslcblas -lcsv
RELEASE_LIBS = $(if $(strip $(STATIC_LIBS)),-Wl$(,)-Bstatic $(STATIC_LIBS) \
               -Wl$(,)-Bdynamic) $(filter-out $(STATIC_LIBS),$(PKG_LIBS))
BASE_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) -Isrc -Ibuild/gen $(PKG_CFLAGS)
RELEASE_CFLAGS = $(BASE_CFLAGS) -O2 -g
SANITIZE ?= address,undefined
TEST_CFLAGS = $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer \
              -fsanitize=$(SANITIZE) -fno-sanitize-recover=all

SRC := $(sort $(wildcard src/*/*.c))
CLI_SRC := $(filter src/cli/cmd_%.c,$(SRC))
LIB_SRC := $(filter-out src/cli/main.c,$(SRC))
GEN_SRC = build/gen/embedded.c
RELEASE_OBJ := $(SRC:%.c=build/release/%.o) build/release/gen/embedded.o
TEST_OBJ := $(SRC:%.c=build/test/%.o) build/test/gen/embedded.o
TEST_LIB_OBJ := $(LIB_SRC:%.c=build/test/%.o) build/test/gen/embedded.o
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build/test/unit/%)
# Data files embedded in the binary at build time.
EMBED_FILES := $(sort $(wildcard catalog/*.json catalog/*/*.json \
                 src/web/assets/*))

.PHONY: all run test test-long unit e2e browser setup clean bench layers fuzz fuzz-build fuzz-smoke
all: touchstone

touchstone: $(RELEASE_OBJ)
	@echo "  LINK    $@"
	@$(CC) $(RELEASE_CFLAGS) -o $@ $^ $(RELEASE_LIBS)

build/test/touchstone: $(TEST_OBJ)
	@echo "  LINK    $@"
	@$(CC) $(TEST_CFLAGS) -o $@ $^ $(PKG_LIBS)

build/release/%.o: %.c build/gen/commands.inc
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(RELEASE_CFLAGS) -MMD -MP -c -o $@ $<

build/test/%.o: %.c build/gen/commands.inc
	@mkdir -p $(dir $@)
	@echo "  CC      $< (sanitized)"
	@$(CC) $(TEST_CFLAGS) -MMD -MP -c -o $@ $<

# Fault injection (src/store/fault.c, tests/fault/) in the test build only.
build/test/src/store/fault.o: TEST_CFLAGS += -DTOUCHSTONE_FAULT

build/release/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(RELEASE_CFLAGS) -c -o $@ $<

build/test/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c -o $@ $<

# The command table: every COMMAND(...) line of src/cli/cmd_*.c, sorted.
build/gen/commands.inc: $(CLI_SRC)
	@mkdir -p $(dir $@)
	grep -h '^COMMAND(' $(CLI_SRC) | sort > $@.tmp && mv $@.tmp $@

build/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 $(WARN) -O2 -o $@ $<

build/gen/embedded.c: build/tools/embed $(EMBED_FILES)
	@mkdir -p $(dir $@)
	build/tools/embed $(EMBED_FILES) > $@.tmp && mv $@.tmp $@

# The instrument table, read from catalog/instruments.json and checked by
# src/catalog/instrument.c's own loader at build time and written as C:
# the program parses no JSON for it at start.
INSTRUMENT_TABLE_SRC = tools/instrument_table.c src/catalog/instrument.c \
    src/core/util.c src/core/buf.c src/core/embedded.c src/core/err.c
build/tools/instrument-table: $(INSTRUMENT_TABLE_SRC) build/gen/embedded.c \
                              src/catalog/instrument.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) -DINSTRUMENT_TABLE_WRITER -O1 -o $@ \
	    $(INSTRUMENT_TABLE_SRC) build/gen/embedded.c \
	    $(shell pkg-config --libs jansson) -lm -lpthread

build/gen/instrument_table.inc: build/tools/instrument-table
	build/tools/instrument-table > $@.tmp && mv $@.tmp $@

build/release/src/catalog/instrument.o build/test/src/catalog/instrument.o \
build/fuzz/obj/src/catalog/instrument.o: build/gen/instrument_table.inc

build/test/unit/%: tests/unit/%.c $(TEST_LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(TEST_CFLAGS) -Itests -MMD -MP -o $@ $(filter %.c %.o,$^) $(PKG_LIBS) -lcriterion

setup:
	@scripts/setup

run: setup
	@$(MAKE) --no-print-directory touchstone
	@scripts/run-demo

test: setup
	@$(MAKE) --no-print-directory -j$$(nproc) touchstone build/test/touchstone $(UNIT_BIN)
	@$(MAKE) --no-print-directory layers
	@tests/run-all
	@tests/fault/run smoke
	@$(MAKE) --no-print-directory fuzz-smoke

# The long sweeps: every fault at every N, and 50 kills of each kind.
test-long: setup
	@$(MAKE) --no-print-directory -j$$(nproc) build/test/touchstone
	@tests/fault/run long

unit: $(UNIT_BIN)
	@tests/run-all unit

e2e: build/test/touchstone
	@tests/run-all e2e

bench: setup touchstone
	@bench/run
	@bench/soak

# Lower layers never include higher ones (see docs/architecture.md).
layers:
	@scripts/check-layers

# Coverage-guided fuzzing (libFuzzer, clang): tests/fuzz/fuzz_NAME.c, each
# linked with the project's objects built by clang into build/fuzz/.
# `make fuzz [FUZZ_SECONDS=N]` runs every target N seconds (docs/testing.md).
FUZZ_CC = clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = $(BASE_CFLAGS) -O1 -g -fno-omit-frame-pointer \
              -fsanitize=fuzzer-no-link,address,undefined \
              -fno-sanitize-recover=all
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o) build/fuzz/obj/gen/embedded.o
# Kept between runs: the pattern rule's objects are not intermediates.
.SECONDARY: $(FUZZ_LIB_OBJ)

build/fuzz/obj/%.o: %.c build/gen/commands.inc
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

build/fuzz/obj/gen/%.o: build/gen/%.c
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz_common.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests -MMD -MP -o $@ \
	    $< $(FUZZ_LIB_OBJ) $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@tests/fuzz/run --seconds $(FUZZ_SECONDS)

# The smoke that `make test` runs: every regression input, then each
# target a few seconds from its seed corpus.
fuzz-smoke: fuzz-build
	@tests/fuzz/run --smoke

clean:
	rm -rf build touchstone

-include $(shell find build -name '*.d' 2>/dev/null)
