/* A minimal DLL for ptrwidth's fixtures: one export, no C runtime. */

__declspec(dllexport) int scanner_version(void) { return 3; }

int __stdcall DllMainCRTStartup(void *module, unsigned long reason, void *reserved)
{
    (void)module;
    (void)reason;
    (void)reserved;
    return 1;
}
