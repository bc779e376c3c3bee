# infrastream: plain make, pkg-config for every library.
#   make                 build bin/is-* (objects in $(O))
#   make test            the whole suite          make test-fast   the < 60 s subset
#   make asan            AddressSanitizer + UBSan build and test run
#   make fuzz            libFuzzer targets (clang) in build/fuzz/
#   make install PREFIX=/usr/local
VERSION   = 0.1.0
PREFIX   ?= /usr/local
O        ?= build
BIN      ?= bin
CC       ?= cc
PKGS      = yaml-0.1 jansson libcrypto libuv libcurl sqlite3 libmicrohttpd libpq
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libpq and libcurl are opened when first used (lib/libpq_lazy.c,
# lib/libcurl_lazy.c), not linked: their headers only.
PKG_LIBS   := $(filter-out -lpq -lcurl,$(shell pkg-config --libs $(PKGS)))
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
             -DIS_VERSION='"$(VERSION)"' -iquote lib $(PKG_CFLAGS) $(CFLAGS) $(SAN)
ALL_LDFLAGS = $(LDFLAGS) $(SAN)
LIBS      = $(PKG_LIBS) -lm -lpthread

LIB_SRC  := $(sort $(wildcard lib/*.c))
CMD_SRC  := $(sort $(wildcard cmd/is-*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
CMDS     := $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(O)/unit/%)
LIBA      = $(O)/libinfrastream.a

all: $(CMDS) $(UNITS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(O)/cmd/%.o $(LIBA)
	@mkdir -p $(BIN)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

$(O)/unit/%: $(O)/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LIBS)

test: all
	IS_BIN=$(CURDIR)/$(BIN) IS_UNIT=$(CURDIR)/$(O)/unit tests/run

# Three at a time: the fast scripts mostly wait on their pipelines; the whole
# suite and the sanitizer run keep tests/run's two, for the timing checks of
# the slow scripts.
test-fast: all
	IS_TEST_JOBS=3 IS_BIN=$(CURDIR)/$(BIN) IS_UNIT=$(CURDIR)/$(O)/unit tests/run --fast

# Sanitizers get their own object and binary folders, so a normal build stays valid.
asan:
	$(MAKE) O=build/asan BIN=build/asan/bin CC=clang OPT=-O1 \
	  SAN='-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer'
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  IS_TEST_SKIP='valgrind|load|chain|kill' \
	  IS_BIN=$(CURDIR)/build/asan/bin IS_UNIT=$(CURDIR)/build/asan/unit tests/run

FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
# UBSan must not recover, or libFuzzer never sees its findings as crashes.
FUZZ_SAN   = -fsanitize-address-use-after-scope -fno-sanitize-recover=all \
             -fno-omit-frame-pointer
FUZZ_FLAGS = -fsanitize=fuzzer,address,undefined $(FUZZ_SAN)
fuzz:
	$(MAKE) O=build/fuzzlib BIN=build/fuzzlib/bin CC=clang OPT=-O1 \
	  SAN='-fsanitize=fuzzer-no-link,address,undefined $(FUZZ_SAN)' \
	  build/fuzzlib/libinfrastream.a
	@mkdir -p build/fuzz
	for f in $(FUZZ_SRC); do \
	  clang -std=c11 -D_DEFAULT_SOURCE $(WARN) -iquote lib $(PKG_CFLAGS) -O1 -g $(FUZZ_FLAGS) \
	    -o build/fuzz/$$(basename $$f .c) $$f build/fuzzlib/libinfrastream.a $(LIBS) || exit 1; \
	done

completions: $(CMDS)
	completions/generate $(BIN)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	  $(DESTDIR)$(PREFIX)/share/infrastream \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 755 $(CMDS) $(DESTDIR)$(PREFIX)/bin
	for m in man/*.[1-9]; do \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}; done
	cp -R share/. $(DESTDIR)$(PREFIX)/share/infrastream/
	for c in $(CMD_SRC:cmd/%.c=%); do \
	  install -m 644 completions/infrastream.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$c; \
	  install -m 644 completions/infrastream.fish \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$c.fish; done
	install -m 644 completions/infrastream.zsh \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_infrastream

clean:
	rm -rf build bin

.PHONY: all test test-fast asan fuzz completions install clean
.SECONDARY:
-include $(LIB_OBJ:.o=.d) $(CMD_SRC:%.c=$(O)/%.d) $(UNIT_SRC:%.c=$(O)/%.d)
