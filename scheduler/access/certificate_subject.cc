#include "scheduler/access/certificate_subject.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace derm::scheduler {
namespace {

// The UTF-8 values of every entry of `name` with `nid`.
std::vector<std::string> Entries(X509_NAME* name, int nid) {
  std::vector<std::string> out;
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, nid, i)) {
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n >= 0) out.emplace_back(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
    OPENSSL_free(utf8);
  }
  return out;
}

}  // namespace

StatusOr<CertificateSubject> ParseCertificateSubject(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  if (!bio) return InvalidArgument("cannot read the client certificate");
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  if (!cert) return InvalidArgument("the client certificate is not a PEM X.509 certificate");
  X509_NAME* subject = X509_get_subject_name(cert.get());
  CertificateSubject out;
  const std::vector<std::string> cn = Entries(subject, NID_commonName);
  if (!cn.empty()) out.common_name = cn.front();
  out.organizations = Entries(subject, NID_organizationName);
  return out;
}

}  // namespace derm::scheduler
