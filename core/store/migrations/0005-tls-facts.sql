-- 5: the TLS version and cipher suite of the session that brought a message (CONTRACT "Extensions' JSON",
--    TlsProtocol and TlsCipher: "TLSv1.3", "TLS_AES_256_GCM_SHA384"); empty when it came without TLS, and for the
--    messages of earlier stores, which never had TLS.
ALTER TABLE messages ADD COLUMN tls_protocol TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN tls_cipher TEXT NOT NULL DEFAULT '';
