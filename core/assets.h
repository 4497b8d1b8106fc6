/* assets: the files of assets/ compiled into the binary (see scripts/embed-assets),
 * so the example config, the demo scenario, the checklist seed and the help text
 * travel with mcon. */
#ifndef MCON_ASSETS_H
#define MCON_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;
	const char *data; /* NUL-terminated */
	size_t len;
};

extern const struct asset mcon_assets[];

/* The asset named by its base name, or NULL. Borrowed, static storage. */
const struct asset *asset_find(const char *name);

#endif
