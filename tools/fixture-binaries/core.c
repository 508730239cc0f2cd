/* A static library member for ptrwidth's fixtures. */

int core_checksum(const unsigned char *data, int length)
{
    int sum = 0;
    for (int i = 0; i < length; i++)
        sum += data[i];
    return sum;
}
