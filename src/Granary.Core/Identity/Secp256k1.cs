using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Granary.Core.Identity;

/// <summary>
/// The secp256k1 operations Granary needs, done by libsecp256k1 (Bitcoin Core's library, Debian
/// package libsecp256k1-1) through P/Invoke: key creation, signing, verification, public-key
/// recovery and tweaks for BIP32. One randomized context serves every thread (the library allows
/// concurrent use of a context for everything but randomizing and destroying it).
/// </summary>
internal static unsafe partial class Secp256k1
{
    public const int SecretKeySize = 32;
    public const int CompressedSize = 33;
    public const int UncompressedSize = 65;

    private const string Library = "granary-secp256k1";
    private const uint ContextSignAndVerify = 0x301;
    private const uint SerializeCompressed = 0x102;
    private const uint SerializeUncompressed = 0x002;

    // The group order n, big-endian: s and n − s are both valid halves of a signature.
    private static readonly byte[] Order = Convert.FromHexString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");

    private static readonly Lazy<Native> Instance = new(Native.Load);

    /// <summary>Throws <see cref="CryptographicException"/> with install instructions when the library is missing.</summary>
    public static void EnsureAvailable() => _ = Instance.Value;

    public static bool IsValidSecretKey(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != SecretKeySize)
        {
            return false;
        }

        fixed (byte* s = secret)
        {
            return secp256k1_ec_seckey_verify(Instance.Value.Context, s) == 1;
        }
    }

    /// <summary>The public key of a secret key, serialized compressed or not.</summary>
    public static byte[] PublicKeyOf(ReadOnlySpan<byte> secret, bool compressed)
    {
        var pubkey = stackalloc byte[64];
        fixed (byte* s = secret)
        {
            Check(secret.Length == SecretKeySize && secp256k1_ec_pubkey_create(Instance.Value.Context, pubkey, s) == 1, "not a valid secret key");
        }

        return Serialize(pubkey, compressed);
    }

    /// <summary>Parses and validates a 33- or 65-byte public key; returns it re-serialized as asked, or null.</summary>
    public static byte[]? NormalizePublicKey(ReadOnlySpan<byte> encoded, bool compressed)
    {
        var pubkey = stackalloc byte[64];
        fixed (byte* e = encoded)
        {
            return secp256k1_ec_pubkey_parse(Instance.Value.Context, pubkey, e, (nuint)encoded.Length) == 1 ? Serialize(pubkey, compressed) : null;
        }
    }

    /// <summary><c>(secret + tweak) mod n</c>, or null when the tweak is out of range or the result is zero (BIP32's "invalid child").</summary>
    public static byte[]? TweakSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> tweak)
    {
        var result = secret.ToArray();
        fixed (byte* r = result)
        fixed (byte* t = tweak)
        {
            if (secp256k1_ec_seckey_tweak_add(Instance.Value.Context, r, t) == 1)
            {
                return result;
            }
        }

        CryptographicOperations.ZeroMemory(result);
        return null;
    }

    /// <summary><c>publicKey + tweak·G</c> as a compressed key, or null when BIP32 says the child is invalid.</summary>
    public static byte[]? TweakPublicKey(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> tweak)
    {
        var pubkey = stackalloc byte[64];
        fixed (byte* p = publicKey)
        fixed (byte* t = tweak)
        {
            Check(secp256k1_ec_pubkey_parse(Instance.Value.Context, pubkey, p, (nuint)publicKey.Length) == 1, "not a valid public key");
            return secp256k1_ec_pubkey_tweak_add(Instance.Value.Context, pubkey, t) == 1 ? Serialize(pubkey, compressed: true) : null;
        }
    }

    /// <summary>
    /// Signs a 32-byte hash with the RFC 6979 nonce and returns <c>r || s</c> and the recovery id,
    /// with s exactly as the nonce gives it, not normalized to the lower half. That is what
    /// python-ecdsa, btctxstore and so the Storj tools produce; both halves verify everywhere.
    /// </summary>
    public static (byte[] Signature, int RecoveryId) SignRecoverable(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> hash)
    {
        var native = Instance.Value;
        var signature = stackalloc byte[65];
        var nonce = stackalloc byte[32];
        var compact = new byte[64];
        int recoveryId;
        try
        {
            fixed (byte* s = secret)
            fixed (byte* h = hash)
            fixed (byte* c = compact)
            {
                Check(secret.Length == SecretKeySize && hash.Length == 32, "signing needs a 32-byte key and a 32-byte hash");
                Check(secp256k1_ecdsa_sign_recoverable(native.Context, signature, h, s, (nint)(delegate* unmanaged[Cdecl]<byte*, byte*, byte*, byte*, void*, uint, int>)&CaptureNonce, nonce) == 1, "signing failed");
                Check(secp256k1_ecdsa_recoverable_signature_serialize_compact(native.Context, c, &recoveryId, signature) == 1, "serializing the signature failed");
            }

            // The library negates a high s and flips the recovery id to match. R's own y parity
            // (from the nonce) says whether that happened; if it did, undo it.
            var r = stackalloc byte[64];
            Check(secp256k1_ec_pubkey_create(native.Context, r, nonce) == 1, "the nonce is not a valid scalar");
            var point = Serialize(r, compressed: true);
            var oddY = point[0] == 0x03 ? 1 : 0;
            if ((recoveryId & 1) != oddY)
            {
                SubtractFromOrder(compact.AsSpan(32));
                recoveryId ^= 1;
            }
        }
        finally
        {
            new Span<byte>(nonce, 32).Clear();
        }

        return (compact, recoveryId);
    }

    /// <summary>Recovers the public key behind <c>r || s</c> and a recovery id, or null if there is none.</summary>
    public static byte[]? Recover(ReadOnlySpan<byte> compact, int recoveryId, ReadOnlySpan<byte> hash, bool compressed)
    {
        var signature = stackalloc byte[65];
        var pubkey = stackalloc byte[64];
        var context = Instance.Value.Context;
        fixed (byte* c = compact)
        fixed (byte* h = hash)
        {
            if (compact.Length != 64 || hash.Length != 32 || recoveryId is < 0 or > 3
                || secp256k1_ecdsa_recoverable_signature_parse_compact(context, signature, c, recoveryId) != 1
                || secp256k1_ecdsa_recover(context, pubkey, signature, h) != 1)
            {
                return null;
            }
        }

        return Serialize(pubkey, compressed);
    }

    /// <summary>Checks <c>r || s</c> over a hash against a known public key; a high s is accepted.</summary>
    public static bool Verify(ReadOnlySpan<byte> compact, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> publicKey)
    {
        var signature = stackalloc byte[64];
        var pubkey = stackalloc byte[64];
        var context = Instance.Value.Context;
        fixed (byte* c = compact)
        fixed (byte* h = hash)
        fixed (byte* p = publicKey)
        {
            if (compact.Length != 64 || hash.Length != 32
                || secp256k1_ecdsa_signature_parse_compact(context, signature, c) != 1
                || secp256k1_ec_pubkey_parse(context, pubkey, p, (nuint)publicKey.Length) != 1)
            {
                return false;
            }

            // libsecp256k1 verifies lower-s signatures only; bitcoin's signed messages never required that.
            secp256k1_ecdsa_signature_normalize(context, signature, signature);
            return secp256k1_ecdsa_verify(context, signature, h, pubkey) == 1;
        }
    }

    private static byte[] Serialize(byte* pubkey, bool compressed)
    {
        var output = new byte[compressed ? CompressedSize : UncompressedSize];
        var length = (nuint)output.Length;
        fixed (byte* o = output)
        {
            secp256k1_ec_pubkey_serialize(Instance.Value.Context, o, &length, pubkey, compressed ? SerializeCompressed : SerializeUncompressed);
        }

        return output;
    }

    // s ← n − s, big-endian.
    private static void SubtractFromOrder(Span<byte> s)
    {
        var borrow = 0;
        for (var i = 31; i >= 0; i--)
        {
            var difference = Order[i] - s[i] - borrow;
            borrow = difference < 0 ? 1 : 0;
            s[i] = (byte)(difference + (borrow << 8));
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new CryptographicException($"secp256k1: {what}.");
        }
    }

    // Calls the library's RFC 6979 nonce function and keeps a copy of the nonce it produced (the
    // last attempt's is the one used), so the signer can learn R's parity. Cleared right after.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CaptureNonce(byte* nonce32, byte* message32, byte* key32, byte* algorithm16, void* data, uint attempt)
    {
        var result = Instance.Value.Rfc6979(nonce32, message32, key32, algorithm16, null, attempt);
        if (result == 1)
        {
            Buffer.MemoryCopy(nonce32, data, 32, 32);
        }

        return result;
    }

    private sealed class Native
    {
        private static readonly string[] Candidates = ["libsecp256k1.so.1", "libsecp256k1.so.2", "libsecp256k1.so", "libsecp256k1.dylib", "libsecp256k1", "secp256k1"];

        private Native(nint context, delegate* unmanaged[Cdecl]<byte*, byte*, byte*, byte*, void*, uint, int> rfc6979)
        {
            Context = context;
            Rfc6979 = rfc6979;
        }

        public nint Context { get; }

        public delegate* unmanaged[Cdecl]<byte*, byte*, byte*, byte*, void*, uint, int> Rfc6979 { get; }

        public static Native Load()
        {
            NativeLibrary.SetDllImportResolver(typeof(Secp256k1).Assembly, static (name, assembly, path) =>
                name == Library ? Open() : 0);
            var handle = Open();
            if (handle == 0)
            {
                throw new CryptographicException(
                    "libsecp256k1 is not installed; Granary uses it for secp256k1 keys and signatures. On Debian or Ubuntu: apt-get install libsecp256k1-1");
            }

            var context = secp256k1_context_create(ContextSignAndVerify);
            Span<byte> seed = stackalloc byte[32];
            RandomNumberGenerator.Fill(seed);
            fixed (byte* s = seed)
            {
                // Blinding against timing side channels in signing and key creation.
                secp256k1_context_randomize(context, s);
            }

            var nonceFunction = *(nint*)NativeLibrary.GetExport(handle, "secp256k1_nonce_function_rfc6979");
            return new Native(context, (delegate* unmanaged[Cdecl]<byte*, byte*, byte*, byte*, void*, uint, int>)nonceFunction);
        }

        private static nint Open()
        {
            foreach (var candidate in Candidates)
            {
                if (NativeLibrary.TryLoad(candidate, typeof(Secp256k1).Assembly, DllImportSearchPath.SafeDirectories, out var handle))
                {
                    return handle;
                }
            }

            return 0;
        }
    }

    [LibraryImport(Library)]
    private static partial nint secp256k1_context_create(uint flags);

    [LibraryImport(Library)]
    private static partial int secp256k1_context_randomize(nint context, byte* seed32);

    [LibraryImport(Library)]
    private static partial int secp256k1_ec_seckey_verify(nint context, byte* secret);

    [LibraryImport(Library)]
    private static partial int secp256k1_ec_pubkey_create(nint context, byte* pubkey, byte* secret);

    [LibraryImport(Library)]
    private static partial int secp256k1_ec_pubkey_parse(nint context, byte* pubkey, byte* input, nuint length);

    [LibraryImport(Library)]
    private static partial int secp256k1_ec_pubkey_serialize(nint context, byte* output, nuint* length, byte* pubkey, uint flags);

    [LibraryImport(Library)]
    private static partial int secp256k1_ec_seckey_tweak_add(nint context, byte* secret, byte* tweak);

    [LibraryImport(Library)]
    private static partial int secp256k1_ec_pubkey_tweak_add(nint context, byte* pubkey, byte* tweak);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_sign_recoverable(nint context, byte* signature, byte* hash, byte* secret, nint nonceFunction, void* data);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_recoverable_signature_serialize_compact(nint context, byte* output64, int* recoveryId, byte* signature);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_recoverable_signature_parse_compact(nint context, byte* signature, byte* input64, int recoveryId);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_recover(nint context, byte* pubkey, byte* signature, byte* hash);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_signature_parse_compact(nint context, byte* signature, byte* input64);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_signature_normalize(nint context, byte* output, byte* input);

    [LibraryImport(Library)]
    private static partial int secp256k1_ecdsa_verify(nint context, byte* signature, byte* hash, byte* pubkey);
}
