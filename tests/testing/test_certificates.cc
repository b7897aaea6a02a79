#include "tests/testing/test_certificates.h"

#include <gtest/gtest.h>

#include "tests/testing/subprocess.h"

namespace derm::testing {
namespace {

// Runs `openssl ARGS...` (found on PATH).
void Run(std::vector<std::string> argv) {
  argv.insert(argv.begin(), {"/usr/bin/env", "openssl"});
  const CommandResult r = RunCommand(argv);
  EXPECT_EQ(r.exit_code, 0) << argv[2] << ": " << r.err;
}

}  // namespace

TestCertificates::TestCertificates(const TempDir& dir, const std::string& ca_name)
    : dir_(dir), prefix_(dir.Join(ca_name)) {
  ca_ = {prefix_ + ".pem", prefix_ + ".key"};
  Run({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_.key,
       "-out", ca_.cert, "-days", "2", "-subj", "/CN=" + ca_name, "-addext",
       "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
}

KeyPair TestCertificates::Issue(const std::string& name, const std::string& subject,
                                const std::string& extensions) {
  const std::string base = prefix_ + "-" + name + "-" + std::to_string(++serial_);
  KeyPair kp{base + ".pem", base + ".key"};
  const std::string csr = base + ".csr", ext = base + ".ext";
  WriteFile(ext, extensions);
  Run({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", kp.key,
       "-out", csr, "-subj", subject});
  Run({"x509", "-req", "-in", csr, "-CA", ca_.cert, "-CAkey", ca_.key, "-set_serial",
       std::to_string(serial_ + 1000), "-days", "2", "-out", kp.cert, "-extfile", ext});
  return kp;
}

KeyPair TestCertificates::Server(const std::string& cn, const std::string& names) {
  return Issue(
      "server", "/CN=" + cn,
      "subjectAltName=" + names + "\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
}

KeyPair TestCertificates::Client(const std::string& subject) {
  return Issue("client", subject, "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n");
}

}  // namespace derm::testing
