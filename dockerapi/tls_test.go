package dockerapi

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns PEM certificate and key for a server (127.0.0.1) or a client.
func (ca *testCA) issue(t *testing.T, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "berth-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// tlsProxy serves TLS on a loopback port, requires a client certificate
// signed by ca, and forwards every connection to the local engine socket.
func tlsProxy(t *testing.T, ca *testCA) string {
	t.Helper()
	certPEM, keyPEM := ca.issue(t, true)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { forward(c, "unix", DefaultSocketPath) })
		}
	})
	return l.Addr().String()
}

// forward pipes c to a new connection to network/addr and back. When one
// side stops sending, the other is told so with a half-close, as a TCP or
// TLS hop does: an attach stream ends its input that way.
func forward(c net.Conn, network, addr string) {
	defer c.Close()
	up, err := net.Dial(network, addr)
	if err != nil {
		return
	}
	defer up.Close()
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			_ = dst.Close()
		}
	}
	done := make(chan struct{}, 2)
	go func() { pipe(up, c); done <- struct{}{} }()
	go func() { pipe(c, up); done <- struct{}{} }()
	<-done
	// Give the other direction a moment to finish, then close both, as
	// proxies do with a half-closed connection whose peer lingers.
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTLS runs the engine behind a real TLS proxy that requires client
// certificates.
func TestTLS(t *testing.T) {
	t.Parallel()
	ca, otherCA := newTestCA(t, "berth test CA"), newTestCA(t, "some other CA")
	addr := tlsProxy(t, ca)
	dir := t.TempDir()
	certPEM, keyPEM := ca.issue(t, false)
	caFile := writeFile(t, dir, "ca.pem", ca.pem)
	otherCAFile := writeFile(t, dir, "other-ca.pem", otherCA.pem)
	certFile := writeFile(t, dir, "cert.pem", certPEM)
	keyFile := writeFile(t, dir, "key.pem", keyPEM)

	for _, tc := range []struct {
		name    string
		tls     TLSConfig
		ok      bool
		warning bool
	}{
		{name: "right CA and client cert", tls: TLSConfig{CA: caFile, Cert: certFile, Key: keyFile}, ok: true},
		{name: "wrong CA", tls: TLSConfig{CA: otherCAFile, Cert: certFile, Key: keyFile}},
		{name: "no client cert", tls: TLSConfig{CA: caFile}},
		{name: "system roots only", tls: TLSConfig{Cert: certFile, Key: keyFile}},
		{name: "wrong CA, verification off", tls: TLSConfig{CA: otherCAFile, Cert: certFile, Key: keyFile, InsecureSkipVerify: true}, ok: true, warning: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			cfg := tc.tls
			h, err := Dial(t.Context(), HostConfig{Name: "tls", Host: "tcp://" + addr, TLS: &cfg, CallTimeout: 10 * time.Second},
				slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			defer h.Close()
			info, err := h.Ping(t.Context())
			if tc.ok {
				if err != nil || info.APIVersion != wantAPIVersion(t) {
					t.Fatalf("Ping = %+v, %v; want success", info, err)
				}
				if _, err := h.List(t.Context(), "test-tls-"+randomID()); err != nil {
					t.Errorf("List over TLS: %v", err)
				}
				// Containers go through the TLS host; the clean-up (after h
				// is closed) goes through the local socket.
				local := newEnv(t)
				checkStartWithInput(t, &env{t: t, h: h, instance: local.instance})
			} else {
				if !errors.Is(err, ErrUnavailable) || !strings.HasPrefix(err.Error(), `docker host "tls": ping: `) {
					t.Fatalf("Ping = %v, want ErrUnavailable naming host and call", err)
				}
				t.Logf("refused as expected: %v", err)
			}
			if warned := strings.Contains(logs.String(), "verification is OFF"); warned != tc.warning {
				t.Errorf("warning logged = %v, want %v: %s", warned, tc.warning, logs.String())
			}
		})
	}
}

func TestTLSConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := writeFile(t, dir, "garbage.pem", []byte("not a certificate"))
	for name, c := range map[string]TLSConfig{
		"missing CA":       {CA: filepath.Join(dir, "nope.pem")},
		"CA without PEM":   {CA: garbage},
		"cert without key": {Cert: garbage},
		"bad key pair":     {Cert: garbage, Key: garbage},
	} {
		_, err := Dial(t.Context(), HostConfig{Name: "tls", Host: "tcp://127.0.0.1:2376", TLS: &c}, nil)
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Dial = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := Dial(t.Context(), HostConfig{Name: "x", Host: localEngine, TLS: &TLSConfig{}}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("TLS on unix://: Dial = %v, want ErrInvalid", err)
	}
}
