package testagent

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/crypto/ssh"
)

// LoadHostKey reads the OpenSSH private host key at path. When the file does not exist it
// generates an ed25519 key instead and reports generated=true. Errors name the file only.
func LoadHostKey(path string) (key ssh.Signer, generated bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, false, fmt.Errorf("generate ed25519 host key: %w", err)
		}
		signer, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			return nil, false, fmt.Errorf("generate ed25519 host key: %w", err)
		}
		return signer, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read host key %s: %w", path, err)
	}
	signer, err := ssh.ParsePrivateKey(data)
	if err != nil {
		return nil, false, fmt.Errorf("parse host key %s: %w", path, err)
	}
	return signer, false, nil
}
