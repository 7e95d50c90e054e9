/* The error report every src/ function fills instead of printing:
 * a class (which cmd/ maps to a sysexits status) and one line of text. */
#ifndef POSTA_ERROR_H
#define POSTA_ERROR_H

enum err_class {
	ERR_NONE = 0,
	ERR_USAGE,    /* bad flag or argument: EX_USAGE */
	ERR_DATA,     /* bad input data: EX_DATAERR */
	ERR_NOINPUT,  /* input file missing or unreadable: EX_NOINPUT */
	ERR_IO,       /* read/write failure: EX_IOERR */
	ERR_OS,       /* system call failure: EX_OSERR */
	ERR_INTERNAL, /* a bug: EX_SOFTWARE */
	ERR_UNAVAIL,  /* service unavailable: EX_UNAVAILABLE */
	ERR_CONFIG,   /* configuration error: EX_CONFIG */
	ERR_NOHOST,   /* host name unknown: EX_NOHOST */
	ERR_NOUSER,   /* recipient refused for good: EX_NOUSER */
	ERR_TEMP,     /* try again later (4xx, timeout, refused): EX_TEMPFAIL */
	ERR_PROTOCOL, /* the server broke the protocol: EX_PROTOCOL */
	ERR_TLS,      /* TLS or authentication refused: EX_NOPERM */
	ERR_CANTCREAT, /* cannot write an output file: EX_CANTCREAT */
};

#define ERR_MSG_MAX 1024

struct err {
	enum err_class cls;
	char msg[ERR_MSG_MAX];
};

/* Records cls and the formatted message (truncated to ERR_MSG_MAX);
 * returns -1 so callers can write `return err_set(...)`. */
int err_set(struct err *e, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like err_set, with ": strerror(errnum)" appended. */
int err_sys(struct err *e, enum err_class cls, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#endif
