#!/usr/bin/env bash
# certs.sh DIR: make a throw-away PKI for the delivery tests with certtool
# (gnutls-bin), in DIR (created; nothing outside it is touched):
#
#   ca.pem ca.key             "posta test CA" (self-signed)
#   server.pem server.key     CN=localhost, DNS:localhost, IP:127.0.0.1, by the CA
#   wrong.pem wrong.key       CN=wrong.example, DNS:wrong.example, by the CA
#   client.pem client.key     CN=posta test client (TLS client usage), by the CA
#   other-ca.pem other-ca.key a second CA that signed none of the above
#   server.sha256 wrong.sha256  the certificates' SHA-256 fingerprints (hex, lower case)
#
# Keys are ECDSA P-256 so that the whole set takes well under a second.
# Certificates are valid from an hour ago for 30 days.
set -euo pipefail

dir=${1:?usage: certs.sh DIR}
mkdir -p -- "$dir"
cd -- "$dir"

key() {
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
		--outfile "$1" >/dev/null 2>&1
	chmod 600 "$1"
}

tmpl() {
	# tmpl FILE LINE...: a certtool template; serials are unique per cert.
	local f=$1
	shift
	printf '%s\n' "$@" "expiration_days = 30" >"$f"
}

key ca.key
tmpl ca.tmpl 'cn = "posta test CA"' 'organization = "posta tests"' 'serial = 1' \
	'ca' 'cert_signing_key' 'crl_signing_key'
certtool --generate-self-signed --load-privkey ca.key --template ca.tmpl \
	--outfile ca.pem >/dev/null 2>&1

key other-ca.key
tmpl other-ca.tmpl 'cn = "posta other CA"' 'organization = "someone else"' \
	'serial = 2' 'ca' 'cert_signing_key'
certtool --generate-self-signed --load-privkey other-ca.key \
	--template other-ca.tmpl --outfile other-ca.pem >/dev/null 2>&1

signed() {
	# signed NAME TEMPLATE-LINE...: NAME.key + NAME.pem signed by ca.
	local name=$1
	shift
	key "$name.key"
	tmpl "$name.tmpl" "$@"
	certtool --generate-certificate --load-privkey "$name.key" \
		--load-ca-certificate ca.pem --load-ca-privkey ca.key \
		--template "$name.tmpl" --outfile "$name.pem" >/dev/null 2>&1
}

signed server 'cn = "localhost"' 'serial = 10' 'dns_name = "localhost"' \
	'ip_address = "127.0.0.1"' 'tls_www_server' 'signing_key' 'encryption_key'
signed wrong 'cn = "wrong.example"' 'serial = 11' 'dns_name = "wrong.example"' \
	'tls_www_server' 'signing_key' 'encryption_key'
signed client 'cn = "posta test client"' 'serial = 12' 'email = "client@example.org"' \
	'tls_www_client' 'signing_key'

for name in server wrong client; do
	certtool --certificate-info --infile "$name.pem" --outder 2>/dev/null |
		sha256sum | cut -d' ' -f1 >"$name.sha256"
done
rm -f -- *.tmpl
