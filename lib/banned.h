#ifndef IS_BANNED_H
#define IS_BANNED_H
/*
 * Functions that are too easy to misuse (git's banned.h): including this header
 * turns every use into a compile error that names the function.
 */
#define IS_BANNED(func) sorry_##func##_is_a_banned_function
#undef strcpy
#define strcpy(x, y) IS_BANNED(strcpy)
#undef strcat
#define strcat(x, y) IS_BANNED(strcat)
#undef sprintf
#define sprintf(...) IS_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) IS_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) IS_BANNED(strtok)
#undef gets
#define gets(x) IS_BANNED(gets)
#endif
