# The two commands that matter: `make run` and `make check`. Both install
# what is missing first (Debian/Ubuntu, with apt-get), so they work on a
# fresh machine.

BUILDDIR ?= build
ASAN_BUILDDIR ?= build-asan
XVFB = xvfb-run -a -s "-screen 0 1400x900x24"
TEST_ENV = GSK_RENDERER=cairo NO_AT_BRIDGE=1 GTK_A11Y=none

.PHONY: all deps test-deps setup build run check check-asan bench screenshots clean

all: build

deps:
	@sh build-aux/install-deps.sh

test-deps: deps
	@sh build-aux/npm-deps.sh

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) --werror

setup: deps $(BUILDDIR)/build.ninja

build: setup
	meson compile -C $(BUILDDIR)

run: build
	@sh build-aux/run.sh $(BUILDDIR)

check: build test-deps
	$(TEST_ENV) dbus-run-session -- $(XVFB) meson test -C $(BUILDDIR) --print-errorlogs

$(ASAN_BUILDDIR)/build.ninja:
	meson setup $(ASAN_BUILDDIR) --werror -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dbuildtype=debug

check-asan: deps test-deps $(ASAN_BUILDDIR)/build.ninja
	meson compile -C $(ASAN_BUILDDIR)
	$(TEST_ENV) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/build-aux/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  dbus-run-session -- $(XVFB) meson test -C $(ASAN_BUILDDIR) --print-errorlogs --timeout-multiplier 3

clean:
	rm -rf $(BUILDDIR) $(ASAN_BUILDDIR)

bench: build
	$(BUILDDIR)/bench/bench-ingest --seconds 5 --concurrency 32 --batch 1
	$(BUILDDIR)/bench/bench-ingest --seconds 5 --concurrency 8 --batch 100
	$(BUILDDIR)/bench/bench-rules --messages 200000
	$(BUILDDIR)/bench/bench-export --messages 200000
	$(TEST_ENV) GSETTINGS_BACKEND=memory XDG_DATA_HOME=$(CURDIR)/$(BUILDDIR)/bench-data \
	  GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILDDIR)/data:$$(pkg-config --variable=schemasdir gio-2.0) \
	  dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" \
	  $(BUILDDIR)/bench/bench-frames --rate 5000 --seconds 5
	rm -rf $(BUILDDIR)/bench-data

# PNGs of every view, light and dark, with a realistic session.
screenshots: build
	rm -rf $(BUILDDIR)/screenshots $(BUILDDIR)/screenshots-data
	$(TEST_ENV) GSETTINGS_BACKEND=memory XDG_DATA_HOME=$(CURDIR)/$(BUILDDIR)/screenshots-data \
	  GSETTINGS_SCHEMA_DIR=$(CURDIR)/$(BUILDDIR)/data:$$(pkg-config --variable=schemasdir gio-2.0) \
	  dbus-run-session -- xvfb-run -a -s "-screen 0 1600x1000x24" \
	  $(BUILDDIR)/tests/app/screenshots $(BUILDDIR)/screenshots
	rm -rf $(BUILDDIR)/screenshots-data
