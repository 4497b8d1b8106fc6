# mcon: hand-written GNU Makefile.
#   make              build build/mcon and build/mcon-sim
#   make test         install missing packages, build normal + sanitizer trees, run every test
#   make demo         run the console against the simulator's demo scenario
#   make bench        print the performance figures
#   make lint         check the house rules of docs/ARCHITECTURE.md (make test runs it)
#   make install      PREFIX=/usr/local DESTDIR= (binary, man pages, units, completion, assets)
#   make man          the man pages into $(B)/man (mcon.conf(5) and the console keys are generated)
#   make test-quick   the unit tests that need no fixtures (what the Debian build runs)
#   make fuzz         build the libFuzzer harnesses (clang) into build-fuzz and run each FUZZ_S seconds
#   make deb          ../mcon_VERSION_ARCH.deb with dpkg-buildpackage
#   V=1               show full commands; B=dir picks the build tree; SAN=1 builds with ASan+UBSan

B       ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS      := ncursesw libcurl jansson sqlite3 libcares libidn2 libcrypto
SIM_PKGS  := libmicrohttpd ldns gnutls
TEST_PKGS := criterion vterm

# A machine without the libraries gets one line naming the packages to install (from
# scripts/install-deps) instead of a compiler error about a missing header. Goals that
# install the packages themselves, or build nothing, are not checked.
DEPS_GOALS := $(filter-out clean deps test-deps fuzz-deps test fuzz demo bench deb lint,$(or $(MAKECMDGOALS),all))
DEPS_TEST  := $(filter tests benches test-quick,$(DEPS_GOALS))
ifneq ($(DEPS_GOALS),)
ifneq ($(shell pkg-config --exists $(PKGS) $(SIM_PKGS) $(if $(DEPS_TEST),$(TEST_PKGS)) 2>/dev/null && echo ok),ok)
$(error $(or $(shell sh scripts/install-deps --check $(if $(DEPS_TEST),--test) 2>&1),\
	mcon: pkg-config does not find $(PKGS) $(SIM_PKGS): install their development packages))
endif
endif

CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wundef -Wpointer-arith -Wvla \
	-Wimplicit-fallthrough -Wno-missing-field-initializers
SANFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
ifeq ($(SAN),1)
override CFLAGS += $(SANFLAGS)
override LDFLAGS += -fsanitize=address,undefined
endif

pc = $(shell pkg-config $(1) $(2) 2>/dev/null)
override CPPFLAGS += -I. -D_GNU_SOURCE -DMCON_VERSION='"$(VERSION)"' \
	-DMCON_DATADIR='"$(PREFIX)/share/mcon"' $(call pc,--cflags,$(PKGS))
LIBS      := $(call pc,--libs,$(PKGS)) -lresolv -lpthread -lm
SIM_LIBS  := $(call pc,--libs,$(SIM_PKGS) libcurl jansson) -lpthread
TEST_LIBS := $(call pc,--libs,$(TEST_PKGS) $(SIM_PKGS))
SIM_CFLAGS  := $(call pc,--cflags,$(SIM_PKGS))
TEST_CFLAGS := $(call pc,--cflags,$(TEST_PKGS))

ifeq ($(V),1)
Q :=
else
Q := @
endif

LIB_SRC  := $(wildcard core/*.c db/*.c tui/*.c cli/*.c)
LIB_SRC  := $(filter-out cli/main.c,$(LIB_SRC))
SIM_SRC  := $(wildcard tests/sim/*.c)
TEST_SRC := $(wildcard tests/test_*.c)
TSUP_SRC := $(wildcard tests/support/*.c)
BENCH_SRC := $(wildcard tests/bench/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
SIM_OBJ  := $(SIM_SRC:%.c=$(B)/obj/%.o)
TSUP_OBJ := $(TSUP_SRC:%.c=$(B)/obj/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(B)/%)
BENCHES  := $(BENCH_SRC:tests/bench/%.c=$(B)/bench_%)
EMBED_C  := $(B)/gen/embedded.c
EMBED_O  := $(B)/obj/gen/embedded.o
ASSETS   := $(sort $(wildcard assets/*))

SIM_BIN  := $(if $(SIM_SRC),$(B)/mcon-sim)

all: $(B)/mcon $(SIM_BIN)
tests: $(TESTS) $(B)/mcon $(B)/mcon-test $(SIM_BIN)
benches: $(BENCHES) $(B)/mcon $(B)/mcon-test $(SIM_BIN)

$(B)/libmcon.a: $(LIB_OBJ) $(EMBED_O)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/mcon: $(B)/obj/cli/main.o $(B)/libmcon.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# mcon-test is mcon with the test builds' clock ($MCON_NOW, tests/support/testclock.c);
# the tests run it. mcon itself never reads $MCON_NOW.
TESTCLOCK_O := $(B)/obj/tests/support/testclock.o
$(B)/mcon-test: $(B)/obj/cli/main.o $(TESTCLOCK_O) $(B)/libmcon.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/mcon-sim: $(SIM_OBJ) $(TESTCLOCK_O) $(B)/libmcon.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(SIM_LIBS) $(LIBS)

$(B)/test_%: $(B)/obj/tests/test_%.o $(TSUP_OBJ) $(B)/libmcon.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS) -lutil

$(B)/bench_%: $(B)/obj/tests/bench/%.o $(TSUP_OBJ) $(B)/libmcon.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(LIBS) -lutil

# Assets are compiled in, so the binary runs from anywhere; install also copies them.
$(EMBED_C): $(ASSETS) scripts/embed-assets
	@mkdir -p $(dir $@)
	@echo "  EMBED   $@"
	$(Q)sh scripts/embed-assets $(ASSETS) > $@.tmp && mv $@.tmp $@

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -std=c11 -c -o $@ $<

$(B)/obj/tests/sim/%.o: tests/sim/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(SIM_CFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(TEST_CFLAGS) $(SIM_CFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

deps:
	$(Q)sh scripts/install-deps

test-deps:
	$(Q)sh scripts/install-deps --test

# The test target builds both trees and checks the house rules (make lint), then tests/run
# starts the fixtures (NSD, dockerd, MailCow) and runs every Criterion binary of both trees,
# failing on leaks and empty runs.
test: test-deps
	$(Q)$(MAKE) --no-print-directory B=build tests
	$(Q)$(MAKE) --no-print-directory B=build lint
	$(Q)$(MAKE) --no-print-directory B=build-asan SAN=1 tests
	$(Q)$(MAKE) --no-print-directory B=build fuzz-replay
	$(Q)$(MAKE) --no-print-directory B=build-asan SAN=1 fuzz-replay
	$(Q)bash tests/run build build-asan
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_S=$(FUZZ_CI_S)

demo: deps
	$(Q)$(MAKE) --no-print-directory B=build all
	$(Q)bash scripts/demo build

bench: test-deps
	$(Q)$(MAKE) --no-print-directory B=build benches
	$(Q)bash tests/bench/run build

# The man pages: docs/mcon.1 with the console's keys from the action table, and
# mcon.conf(5) from the config key table (scripts/gen-man runs `mcon __man`).
MANPAGES := $(B)/man/mcon.1 $(B)/man/mcon.conf.5
man: $(MANPAGES)
$(MANPAGES) &: $(B)/mcon docs/mcon.1 scripts/gen-man
	@echo "  MAN     $(MANPAGES)"
	$(Q)sh scripts/gen-man $(B)/mcon $(B)/man

# Unit tests that need no fixtures (no NSD, no dockerd, no network): the Debian build's.
QUICK_TESTS := $(addprefix $(B)/test_,config checks spf sanitize pending docker_parse docs)
# The house rules (scripts/lint); the man pages are generated first, since config keys are checked in them.
lint: $(MANPAGES)
	$(Q)bash scripts/lint $(B)/man

test-quick: $(QUICK_TESTS) $(B)/mcon $(B)/mcon-test
	$(Q)for t in $(QUICK_TESTS); do echo "== $$t"; MCON_BIN=$$PWD/$(B)/mcon-test MCON_BUILD=$$PWD/$(B) \
		$$t --jobs 2 || exit 1; done

# Where make install puts the systemd units and the bash completion.
UNITDIR   ?= $(PREFIX)/lib/systemd/system
COMPLDIR  ?= $(PREFIX)/share/bash-completion/completions
UNITS     := assets/mcon-record.service assets/mcon-record.timer

install: $(B)/mcon $(MANPAGES)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mcon \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/doc/mcon/examples $(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPLDIR)
	install -m 755 $(B)/mcon $(DESTDIR)$(PREFIX)/bin/mcon
	install -m 644 $(ASSETS) $(DESTDIR)$(PREFIX)/share/mcon/
	install -m 644 $(B)/man/mcon.1 $(DESTDIR)$(PREFIX)/share/man/man1/mcon.1
	install -m 644 $(B)/man/mcon.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/mcon.conf.5
	install -m 644 README.md CHANGELOG.md $(DESTDIR)$(PREFIX)/share/doc/mcon/
	install -m 644 assets/mcon.conf.example $(DESTDIR)$(PREFIX)/share/doc/mcon/examples/
	for u in $(UNITS); do sed 's|/usr/local/bin/mcon|$(PREFIX)/bin/mcon|' $$u \
		> $(DESTDIR)$(UNITDIR)/$$(basename $$u) && chmod 644 $(DESTDIR)$(UNITDIR)/$$(basename $$u); done
	install -m 644 dist/mcon.bash-completion $(DESTDIR)$(COMPLDIR)/mcon

# The Debian package, built from this tree (DEB_BUILD_OPTIONS=nocheck skips the tests).
deb:
	$(Q)dpkg-buildpackage -b -us -uc

clean:
	rm -rf build build-asan build-fuzz

# Fuzzing (tests/fuzz): one harness per parser of untrusted bytes. FUZZ=1 builds the tree
# with clang and libFuzzer (make fuzz does, into build-fuzz); otherwise each harness is linked
# with tests/fuzz/replay.c, a main that runs it over files, and fuzz-replay replays the
# regression inputs and seed corpora (make test does, in both trees).
FUZZ_S    ?= 60
FUZZ_CI_S ?= 5
FUZZ_B    := build-fuzz
FUZZ_NAMES := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS  := $(FUZZ_NAMES:%=$(B)/fuzz/%)
ifeq ($(FUZZ),1)
override CFLAGS += -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_MAIN :=
FUZZ_LINK := -fsanitize=fuzzer,address,undefined
else
FUZZ_MAIN := $(B)/obj/tests/fuzz/replay.o
FUZZ_LINK :=
endif

$(B)/fuzz/%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/fuzz.o $(FUZZ_MAIN) $(B)/libmcon.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(FUZZ_LINK) -o $@ $^ $(LIBS)

fuzzers: $(FUZZ_BINS)

fuzz-replay: $(FUZZ_BINS)
	$(Q)for n in $(FUZZ_NAMES); do $(B)/fuzz/$$n tests/fuzz/regress/$$n tests/fuzz/corpus/$$n >/dev/null \
		|| { echo "fuzz-replay $$n: FAILED"; exit 1; }; done; echo "  REPLAY  $(words $(FUZZ_NAMES)) harnesses"

fuzz-deps:
	$(Q)sh scripts/install-deps --fuzz

fuzz: fuzz-deps
	$(Q)$(MAKE) --no-print-directory B=$(FUZZ_B) FUZZ=1 CC=clang fuzzers
	$(Q)bash tests/fuzz/run $(FUZZ_B) $(FUZZ_S) $(FUZZ_NAMES)

.PHONY: fuzz fuzz-deps fuzzers fuzz-replay
.PHONY: all tests benches deps test-deps test lint demo bench install clean man test-quick deb
.SECONDARY:

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
