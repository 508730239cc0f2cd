/* The load configuration of a hybrid image: a non-zero CHPE metadata pointer (offset 200 of
   IMAGE_LOAD_CONFIG_DIRECTORY64) is what marks ARM64EC and ARM64X images. */
__attribute__((aligned(8))) const unsigned char _load_config_used[256] = {
    [0] = 0, [1] = 1, /* Size = 256 */
    [200] = 1,        /* CHPEMetadataPointer */
};
