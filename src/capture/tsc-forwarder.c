/* tsc-forwarder.c (being written) */
#include "config.h"
#include <glib.h>
int tsc_forwarder_placeholder_ (void);
int tsc_forwarder_placeholder_ (void) { return 0; }
