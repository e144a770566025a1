'use strict';
// S3 for the local stack: npm's s3rver (pinned in package.json) serving one folder.
//
//   node chalicelib/local/s3rver.js <directory> <address> <port>
//
// chalicelib/local/s3rver.py starts it. Objects are files, <directory>/<bucket>/<key>._S3rver_object,
// beside s3rver's metadata files. Two changes to s3rver 3.7.1, made here rather than in
// node_modules (which `npm ci` lays anew):
//
// - A PUT is answered only once the object's bytes are in its file. s3rver's own putObject
//   returns when the request body has been read, without waiting for the file write to end,
//   so a kill -9 right after the answer could leave the object short. Here the bytes go to a
//   temporary file that is renamed over the object's once written: an object on disk is
//   always whole, an old version or the new one.
// - Any access key is accepted, as moto and DynamoDB Local do (s3rver knows only "S3RVER"),
//   so one set of dummy credentials serves every service. s3rver does not check SigV4
//   signatures anyway.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { Readable, Transform } = require('stream');
const { pipeline } = require('stream/promises');

const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

let temporaryFiles = 0;

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  // Not a name s3rver lists: its objects end in "._S3rver_object".
  const partPath = `${objectPath}.part-${process.pid}-${temporaryFiles++}`;
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const md5 = crypto.createHash('md5');
  let size = 0;
  const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    await pipeline(
      content,
      new Transform({
        transform(chunk, encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      }),
      fs.createWriteStream(partPath),
    );
    await fs.promises.rename(partPath, objectPath);
  } catch (err) {
    await fs.promises.rm(partPath, { force: true });
    throw err;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
};

const knownAccount = AWSAccount.registry.get.bind(AWSAccount.registry);
AWSAccount.registry.get = accessKeyId => knownAccount(accessKeyId) || AWSAccount.DUMMY_ACCOUNT;

const [directory, address, port] = process.argv.slice(2);
if (!directory || !address || !port) {
  console.error('usage: node s3rver.js <directory> <address> <port>');
  process.exit(2);
}
fs.mkdirSync(directory, { recursive: true });
new S3rver({ directory, address, port: Number(port), silent: true, vhostBuckets: false }).run().then(
  where => console.log(`s3rver listening on ${where.address}:${where.port}, objects in ${directory}`),
  err => {
    console.error(`s3rver could not start: ${err.message}`);
    process.exit(1);
  },
);
