import { promises as fs } from "node:fs";

/**
 * Byte offsets of the partitions of a raw disk image, read from its MBR or GPT without any tool or privilege.
 * An image without a partition table yields [0] (a bare filesystem).
 */

const SECTOR = 512;

export interface Partition {
  index: number;
  offset: number;
  size: number;
}

async function gptPartitions(
  buf: Buffer,
  headerAt: number,
  readAt: (pos: number, len: number) => Promise<Buffer>,
): Promise<Partition[]> {
  const entriesLba = Number(buf.readBigUInt64LE(headerAt + 72));
  const count = buf.readUInt32LE(headerAt + 80);
  const entrySize = buf.readUInt32LE(headerAt + 84);
  if (entrySize < 128 || count > 1024) return [];
  const table = await readAt(entriesLba * SECTOR, count * entrySize);
  const parts: Partition[] = [];
  for (let i = 0; i < count; i++) {
    const e = i * entrySize;
    if (e + 48 > table.length) break;
    if (table.subarray(e, e + 16).every((b) => b === 0)) continue;
    const first = Number(table.readBigUInt64LE(e + 32));
    const last = Number(table.readBigUInt64LE(e + 40));
    parts.push({ index: i + 1, offset: first * SECTOR, size: (last - first + 1) * SECTOR });
  }
  return parts;
}

export async function readPartitions(rawPath: string): Promise<Partition[]> {
  const fh = await fs.open(rawPath, "r");
  try {
    const readAt = async (pos: number, len: number): Promise<Buffer> => {
      const b = Buffer.alloc(len);
      const { bytesRead } = await fh.read(b, 0, len, pos);
      return b.subarray(0, bytesRead);
    };
    const head = await readAt(0, 2 * SECTOR);
    if (head.length < SECTOR || head[510] !== 0x55 || head[511] !== 0xaa) return [{ index: 0, offset: 0, size: 0 }];
    if (head.length >= 2 * SECTOR && head.subarray(SECTOR, SECTOR + 8).toString("latin1") === "EFI PART") {
      return gptPartitions(head, SECTOR, readAt);
    }
    const parts: Partition[] = [];
    for (let i = 0; i < 4; i++) {
      const e = 446 + i * 16;
      const type = head[e + 4] ?? 0;
      const start = head.readUInt32LE(e + 8);
      const sectors = head.readUInt32LE(e + 12);
      if (type === 0 || sectors === 0 || type === 0x05 || type === 0x0f || type === 0xee) continue;
      parts.push({ index: i + 1, offset: start * SECTOR, size: sectors * SECTOR });
    }
    return parts.length ? parts : [{ index: 0, offset: 0, size: 0 }];
  } finally {
    await fh.close();
  }
}
