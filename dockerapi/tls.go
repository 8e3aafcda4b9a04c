package dockerapi

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
)

// TLSConfig secures a tcp:// host. The server's certificate is verified
// (against CA, or the system roots when CA is empty) unless
// InsecureSkipVerify is explicitly true.
type TLSConfig struct {
	CA   string // PEM file of the CA that signed the engine's certificate
	Cert string // PEM file of berth's client certificate
	Key  string // PEM file of its private key
	// InsecureSkipVerify turns server verification off. Anyone on the path
	// can then impersonate the engine; a warning is logged.
	InsecureSkipVerify bool
}

// clientConfig loads the files and builds the tls.Config.
func (c *TLSConfig) clientConfig(log *slog.Logger) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.CA != "" {
		pem, err := os.ReadFile(c.CA)
		if err != nil {
			return nil, fmt.Errorf("read TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA %s: no PEM certificate found", c.CA)
		}
		cfg.RootCAs = pool
	}
	switch {
	case c.Cert != "" && c.Key != "":
		// The error of LoadX509KeyPair names the files, never the key material.
		pair, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, fmt.Errorf("load TLS client certificate %s / key %s: %w", c.Cert, c.Key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	case c.Cert != "" || c.Key != "":
		return nil, fmt.Errorf("TLS client certificate and key go together: cert=%q key=%q", c.Cert, c.Key)
	}
	if c.InsecureSkipVerify {
		log.Warn("TLS server verification is OFF for this host: anyone on the network path can impersonate the engine")
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}
