/**
 * Secret values in the state file, stored like the Pulumi CLI stores them in a checkpoint:
 * `{ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "..." }`.
 *
 * Cipher: AES-256-GCM. Key: scrypt(PULUMI_CONFIG_PASSPHRASE, salt) when that variable (or
 * PULUMI_CONFIG_PASSPHRASE_FILE) is set when the first secret is stored, like the CLI's passphrase secrets
 * provider; otherwise a random key kept next to the state file (`<state>.key`, mode 0600), so that the state file
 * itself never holds a secret in clear text. The state records which one it uses and an encrypted check value,
 * so a wrong or missing key is a clear error rather than garbage.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const CHECK_PLAINTEXT = "pulumi-amphora run-program state";

export interface SecretsInfo {
  kind: "passphrase" | "keyfile";
  /** scrypt salt (passphrase) — base64. */
  salt?: string;
  /** CHECK_PLAINTEXT encrypted with the key. */
  check: string;
}

export interface EncryptedValue {
  [SIG_KEY]: typeof SECRET_SIG;
  ciphertext: string;
}

export function isEncrypted(v: unknown): v is EncryptedValue {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG &&
    typeof (v as Record<string, unknown>).ciphertext === "string"
  );
}

export class SecretsError extends Error {
  override name = "SecretsError";
}

function passphraseFromEnv(): string | undefined {
  const direct = process.env.PULUMI_CONFIG_PASSPHRASE;
  if (direct !== undefined) return direct;
  const file = process.env.PULUMI_CONFIG_PASSPHRASE_FILE;
  if (file) return fs.readFileSync(file, "utf8").replace(/\r?\n$/, "");
  return undefined;
}

export class SecretsManager {
  private key?: Buffer;

  constructor(
    private readonly keyFile: string,
    /** From the loaded state; undefined for a state without secrets yet. */
    public info?: SecretsInfo,
  ) {}

  encrypt(value: unknown): EncryptedValue {
    const key = this.ensureKey();
    return { [SIG_KEY]: SECRET_SIG, ciphertext: seal(key, JSON.stringify(value === undefined ? null : value)) };
  }

  decrypt(v: EncryptedValue): unknown {
    const key = this.loadKey();
    return JSON.parse(open(key, v.ciphertext));
  }

  private loadKey(): Buffer {
    if (this.key) return this.key;
    const info = this.info;
    if (!info) throw new SecretsError("the state holds encrypted values but no secrets settings");
    let key: Buffer;
    if (info.kind === "passphrase") {
      const pass = passphraseFromEnv();
      if (pass === undefined) {
        throw new SecretsError(
          "the state's secrets are encrypted with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)",
        );
      }
      key = crypto.scryptSync(pass, Buffer.from(info.salt ?? "", "base64"), 32);
    } else {
      if (!fs.existsSync(this.keyFile)) {
        throw new SecretsError(`the state's secrets key file ${this.keyFile} is missing: its secrets cannot be decrypted`);
      }
      key = Buffer.from(fs.readFileSync(this.keyFile, "utf8").trim(), "base64");
    }
    let ok = false;
    try {
      ok = open(key, info.check) === CHECK_PLAINTEXT;
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new SecretsError(
        info.kind === "passphrase"
          ? "incorrect passphrase (PULUMI_CONFIG_PASSPHRASE) for this state's secrets"
          : `the key in ${this.keyFile} does not decrypt this state's secrets`,
      );
    }
    this.key = key;
    return key;
  }

  private ensureKey(): Buffer {
    if (this.info) return this.loadKey();
    const pass = passphraseFromEnv();
    let key: Buffer;
    let info: Omit<SecretsInfo, "check">;
    if (pass !== undefined) {
      const salt = crypto.randomBytes(16);
      key = crypto.scryptSync(pass, salt, 32);
      info = { kind: "passphrase", salt: salt.toString("base64") };
    } else {
      key = crypto.randomBytes(32);
      fs.mkdirSync(path.dirname(this.keyFile), { recursive: true });
      fs.writeFileSync(this.keyFile, key.toString("base64") + "\n", { mode: 0o600 });
      info = { kind: "keyfile" };
    }
    this.info = { ...info, check: seal(key, CHECK_PLAINTEXT) };
    this.key = key;
    return key;
  }
}

function seal(key: Buffer, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("base64")}`;
}

function open(key: Buffer, sealed: string): string {
  if (!sealed.startsWith("v1:")) throw new SecretsError("unknown ciphertext format");
  const raw = Buffer.from(sealed.slice(3), "base64");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}
