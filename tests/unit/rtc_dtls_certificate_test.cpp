#include "rtc/dtls/dtls_certificate.hpp"

#include <gtest/gtest.h>

#include <openssl/asn1.h>

#include <cctype>

namespace shoal::rtc::dtls {
namespace {

TEST(DtlsCertificate, FingerprintIsUppercaseColonHexSha256) {
  auto certificate = DtlsCertificate::generate();
  ASSERT_TRUE(certificate);
  const std::string& text = certificate->fingerprint();
  ASSERT_EQ(text.size(), 32u * 3 - 1) << text;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i % 3 == 2) {
      EXPECT_EQ(text[i], ':') << text;
    } else {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] >= 'A' && text[i] <= 'F')) << text;
    }
  }
  auto digest = DtlsCertificate::digest(certificate->certificate(), "sha-256");
  ASSERT_TRUE(digest);
  EXPECT_EQ(DtlsCertificate::format_fingerprint(*digest), certificate->fingerprint());
  EXPECT_EQ(DtlsCertificate::fingerprint_algorithm(), "sha-256");
}

TEST(DtlsCertificate, SelfSignedP256WithShoalNameAndValidity) {
  auto certificate = DtlsCertificate::generate();
  ASSERT_TRUE(certificate);
  X509* x509 = certificate->certificate();
  EXPECT_EQ(EVP_PKEY_get_base_id(certificate->private_key()), EVP_PKEY_EC);
  char group[64] = {};
  size_t group_length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(certificate->private_key(), group, sizeof(group), &group_length), 1);
  EXPECT_STREQ(group, "prime256v1");
  char name[64] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x509), NID_commonName, name, sizeof(name));
  EXPECT_STREQ(name, "shoal");
  EXPECT_EQ(X509_verify(x509, certificate->private_key()), 1);
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(x509)), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(x509)), 0);
  int days = 0;
  int seconds = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(x509), X509_get0_notAfter(x509)), 1);
  EXPECT_EQ(days, 31);
}

TEST(DtlsCertificate, EachGenerationIsDistinctButProcessCertificateIsShared) {
  auto a = DtlsCertificate::generate();
  auto b = DtlsCertificate::generate();
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->fingerprint(), b->fingerprint());
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(a->certificate()), X509_get0_serialNumber(b->certificate())), 0);
  EXPECT_EQ(DtlsCertificate::process_certificate(), DtlsCertificate::process_certificate());
  EXPECT_TRUE(DtlsCertificate::process_certificate());
}

TEST(DtlsCertificate, ParsesFingerprints) {
  EXPECT_EQ(DtlsCertificate::parse_fingerprint("AB:cd:01"), (std::vector<std::uint8_t>{0xAB, 0xCD, 0x01}));
  EXPECT_EQ(DtlsCertificate::parse_fingerprint("0F"), (std::vector<std::uint8_t>{0x0F}));
  for (const char* bad : {"", "A", "ABC", "AB:", "AB:C", "AB-CD", "GG", "AB::CD", ":AB", "AB:CD:"}) {
    EXPECT_FALSE(DtlsCertificate::parse_fingerprint(bad)) << bad;
  }
}

TEST(DtlsCertificate, UnknownDigestNameRejected) {
  auto certificate = DtlsCertificate::process_certificate();
  EXPECT_FALSE(DtlsCertificate::digest(certificate->certificate(), "md5"));
  EXPECT_EQ(DtlsCertificate::digest(certificate->certificate(), "sha-1")->size(), 20u);
  EXPECT_FALSE(DtlsCertificate::digest(nullptr, "sha-256"));
}

}  // namespace
}  // namespace shoal::rtc::dtls
