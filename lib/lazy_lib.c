#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy_lib.h"
#include "banned.h"

void is_lazy_open(struct is_lazy_lib *lib)
{
	lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib->handle) {
		fprintf(stderr, "infrastream: %s needs %s, which cannot be loaded: %s "
		        "(install the Debian package %s)\n", lib->needed_by, lib->soname,
		        dlerror(), lib->package);
		exit(1);
	}
}

/* dlsym returns an object pointer; POSIX guarantees it converts to a
 * function pointer, and copying its bytes says so without a cast warning. */
void is_lazy_resolve(const struct is_lazy_lib *lib, const char *name, void *slot)
{
	void *sym = dlsym(lib->handle, name);

	if (!sym) {
		fprintf(stderr, "infrastream: %s has no %s: install a newer %s (Debian "
		        "package %s)\n", lib->soname, name, lib->soname, lib->package);
		exit(1);
	}
	*(void **)slot = sym;
}
