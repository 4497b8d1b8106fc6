/* who: the person behind a change, for the checklist journal and the history: the
 * invoking admin ($SUDO_USER, else the login user) and the SSH client address. */
#ifndef MCON_WHO_H
#define MCON_WHO_H

struct who {
	char user[64];  /* never empty; limited to a safe character set */
	char from[64];  /* SSH client address, "" when not over SSH */
};

/* Fills *w from $SUDO_USER (else the user of the real uid) and $SSH_CONNECTION. */
void who_current(struct who *w);

/* Builds a who from explicit values (tests, the TUI replaying an identity); user NULL or
 * empty becomes "unknown", from may be NULL. Values are sanitised like who_current's. */
void who_set(struct who *w, const char *user, const char *from);

#endif
