/* One AES-GCM seal per call, as shoal's SRTP seals a forwarded packet, in a loop: the
 * instructions per seal (callgrind, the difference of two counts) and the time per seal (bare
 * CPU) of OpenSSL's EVP interface, and optionally of libsodium's AES-256-GCM (docs/benchmarks.md).
 *   cc -O2 -o /tmp/gcm_seal bench/aes_gcm_seal_calls.c -lcrypto
 *   cc -O2 -DWITH_SODIUM -o /tmp/gcm_seal bench/aes_gcm_seal_calls.c -lcrypto -lsodium
 *   /tmp/gcm_seal evp|sodium SEALS [AAD_BYTES] [PAYLOAD_BYTES]   (default 20 and 1200)
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef WITH_SODIUM
#include <sodium.h>
#endif

static unsigned char buffer[4096] __attribute__((aligned(64)));

static int seal_evp(long seals, int aad, int payload) {
  unsigned char key[16] = {1}, iv[12] = {2}, tag[16];
  EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
  if (context == NULL || EVP_CipherInit_ex(context, EVP_aes_128_gcm(), NULL, key, NULL, 1) != 1) return 1;
  for (long i = 0; i < seals; ++i) {
    int out = 0;
    iv[11] = (unsigned char)i;
    /* The calls shoal's AesGcm::seal makes: IV, AAD, payload in place, final, tag. */
    if (EVP_CipherInit_ex(context, NULL, NULL, NULL, iv, -1) != 1 ||
        EVP_CipherUpdate(context, NULL, &out, buffer, aad) != 1 ||
        EVP_CipherUpdate(context, buffer + aad, &out, buffer + aad, payload) != 1 ||
        EVP_EncryptFinal_ex(context, tag, &out) != 1 ||
        EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) {
      return 1;
    }
  }
  EVP_CIPHER_CTX_free(context);
  return 0;
}

static int seal_sodium(long seals, int aad, int payload) {
#ifdef WITH_SODIUM
  unsigned char key[32] = {1}, iv[12] = {2}, tag[16];
  if (sodium_init() < 0 || !crypto_aead_aes256gcm_is_available()) return 1;
  crypto_aead_aes256gcm_state* state = aligned_alloc(64, (sizeof *state + 63) / 64 * 64);
  if (state == NULL) return 1;
  crypto_aead_aes256gcm_beforenm(state, key);
  for (long i = 0; i < seals; ++i) {
    unsigned long long tag_length = 0;
    iv[11] = (unsigned char)i;
    crypto_aead_aes256gcm_encrypt_detached_afternm(buffer + aad, tag, &tag_length, buffer + aad,
                                                   (unsigned long long)payload, buffer,
                                                   (unsigned long long)aad, NULL, iv, state);
  }
  free(state);
  return 0;
#else
  (void)seals, (void)aad, (void)payload;
  fprintf(stderr, "built without -DWITH_SODIUM\n");
  return 1;
#endif
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s evp|sodium SEALS [AAD_BYTES] [PAYLOAD_BYTES]\n", argv[0]);
    return 2;
  }
  const long seals = atol(argv[2]);
  const int aad = argc > 3 ? atoi(argv[3]) : 20;
  const int payload = argc > 4 ? atoi(argv[4]) : 1200;
  if (seals < 0 || aad < 0 || payload < 0 || aad + payload > (int)sizeof buffer) return 2;
  memset(buffer, 7, sizeof buffer);
  const int failed = strcmp(argv[1], "sodium") == 0 ? seal_sodium(seals, aad, payload) : seal_evp(seals, aad, payload);
  printf("%d\n", buffer[aad]);
  return failed;
}
