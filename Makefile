# mcon: hand-written GNU Makefile.
#   make              build build/mcon and build/mcon-sim
#   make test         install missing packages, build normal + sanitizer trees, run every test
#   make demo         run the console against the simulator's demo scenario
#   make bench        print the performance figures
#   make lint         check the house rules of docs/ARCHITECTURE.md (make test runs it)
#   make install      PREFIX=/usr/local DESTDIR=
#   V=1               show full commands; B=dir picks the build tree; SAN=1 builds with ASan+UBSan

B       ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

PKGS      := ncursesw libcurl jansson sqlite3 libcares inih libidn2 libcrypto
SIM_PKGS  := libmicrohttpd ldns gnutls
TEST_PKGS := criterion vterm

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
SIM_LIBS  := $(call pc,--libs,$(SIM_PKGS) libcurl jansson inih) -lpthread
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
tests: $(TESTS) $(B)/mcon $(SIM_BIN)
benches: $(BENCHES) $(B)/mcon $(SIM_BIN)

$(B)/libmcon.a: $(LIB_OBJ) $(EMBED_O)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(B)/mcon: $(B)/obj/cli/main.o $(B)/libmcon.a
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(B)/mcon-sim: $(SIM_OBJ) $(B)/libmcon.a
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

# The test target builds both trees, then tests/run starts the fixtures (NSD, dockerd)
# and runs every Criterion binary of both trees, failing on leaks and empty runs.
test: test-deps
	$(Q)$(MAKE) --no-print-directory B=build tests
	$(Q)$(MAKE) --no-print-directory B=build-asan SAN=1 tests
	$(Q)bash tests/run build build-asan

lint:
	$(Q)bash scripts/lint

demo: deps
	$(Q)$(MAKE) --no-print-directory B=build all
	$(Q)bash scripts/demo build

bench: test-deps
	$(Q)$(MAKE) --no-print-directory B=build benches
	$(Q)bash tests/bench/run build

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mcon \
		$(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/doc/mcon
	install -m 755 $(B)/mcon $(DESTDIR)$(PREFIX)/bin/mcon
	install -m 644 $(ASSETS) $(DESTDIR)$(PREFIX)/share/mcon/
	install -m 644 docs/mcon.1 $(DESTDIR)$(PREFIX)/share/man/man1/mcon.1
	install -m 644 assets/mcon.conf.example README.md CHANGELOG.md $(DESTDIR)$(PREFIX)/share/doc/mcon/

clean:
	rm -rf build build-asan

.PHONY: all tests benches deps test-deps test lint demo bench install clean
.SECONDARY:

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
