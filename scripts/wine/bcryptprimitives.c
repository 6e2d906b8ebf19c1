/* A stand-in for bcryptprimitives.dll, for running bachata1c.exe under wine < 9 only
 * (Debian bookworm ships wine 8). Rust's std since 1.78 gets random bytes from ProcessPrng
 * in bcryptprimitives.dll, which every supported Windows has but wine 8 lacks; without it
 * the program does not start (status c0000135). Never shipped to dealers.
 * Built by scripts/windows-e2e.sh with x86_64-w64-mingw32-gcc. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom, advapi32 */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
