#ifndef IS_LAZY_LIB_H
#define IS_LAZY_LIB_H

/*
 * A shared library opened when first used, for libpq_lazy.c and
 * libcurl_lazy.c. Both end the program with a message naming the Debian
 * package to install when the library or one of its functions is missing:
 * the caller has no way on without it.
 */
struct is_lazy_lib {
	const char *soname;    /* "libpq.so.5" */
	const char *needed_by; /* "PostgreSQL" */
	const char *package;   /* "libpq5" */
	void *handle;
};

/* dlopen of lib->soname (RTLD_NOW | RTLD_LOCAL) into lib->handle. */
void is_lazy_open(struct is_lazy_lib *lib);
/* dlsym of name into the function pointer at slot. */
void is_lazy_resolve(const struct is_lazy_lib *lib, const char *name, void *slot);

#endif
