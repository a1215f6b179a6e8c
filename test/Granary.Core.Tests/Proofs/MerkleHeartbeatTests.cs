using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed partial class MerkleHeartbeatTests
{
    public static TheoryData<string> Vectors() => ["merkle_small", "merkle_node_default", "merkle_tiny_zero_chunk", "merkle_short_file"];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Encoding_gives_the_known_tag_root_and_state(string name)
    {
        var v = ProofVectors.Merkle(name);
        var chunk = Chunk(v);
        Assert.Equal(v.Text("data_sha256"), Hex.Of(SHA256.HashData(chunk.ToArray())));
        var (tag, state) = Encode(v, chunk);

        Assert.Equal(v.Text("root_b64"), Convert.ToBase64String(tag.Root));
        Assert.Equal(v.Text("root_b64"), Convert.ToBase64String(state.Root));
        Assert.Equal(v.GetProperty("tree_order").GetInt32(), tag.Order);
        Assert.Equal(v.GetProperty("tag_chunksz").GetInt64(), tag.ChunkSize);
        Assert.Equal(v.GetProperty("tag_filesz").GetInt64(), tag.FileSize);
        Assert.Equal(v.Text("tag_json_sha256"), Hex.Of(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(tag.ToJson()))));
        Assert.Equal(v.Text("state_hmac"), Hex.Of(state.Hmac));
        Assert.Equal(0, state.Index);
        if (v.TryGetProperty("tag", out var expectedTag))
        {
            var nodes = expectedTag.GetProperty("tree").GetProperty("nodes").EnumerateArray().Select(n => n.GetString()).ToArray();
            Assert.Equal(nodes, tag.Nodes.Select(Convert.ToBase64String).ToArray());
            Assert.Equal("", nodes[^1]);
        }
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Challenges_proofs_and_verification_match_the_known_answers(string name)
    {
        var v = ProofVectors.Merkle(name);
        var chunk = Chunk(v);
        var heartbeat = Heartbeat(v);
        var (tag, state) = Encode(v, chunk);
        foreach (var expected in v.GetProperty("challenges").EnumerateArray())
        {
            (var challenge, state) = heartbeat.NextChallenge(state);
            var expectedChallenge = expected.GetProperty("challenge");
            Assert.Equal(expectedChallenge.GetProperty("index").GetInt32(), challenge.Index);
            Assert.Equal(expectedChallenge.Text("seed"), Convert.ToBase64String(challenge.Seed));
            Assert.Equal(Canonical(expectedChallenge), challenge.ToJson());

            var blob = MerkleHeartbeat.ChunkHash(chunk, challenge.Seed, tag.FileSize, tag.ChunkSize, out var offset);
            Assert.Equal(expected.GetProperty("chunk_offset").GetInt64(), offset);
            Assert.Equal(expected.Text("leaf_blob"), Hex.Of(blob));
            Assert.Equal(expected.Text("leaf_hash"), Hex.Of(MerkleHeartbeat.LeafHash(blob, challenge.Index)));

            Assert.Equal(expected.GetProperty("chunk_length").GetInt64(), Math.Min(tag.ChunkSize, tag.FileSize));

            var proof = MerkleHeartbeat.Prove(chunk, challenge, tag);
            Assert.Equal(expected.GetProperty("verify").GetBoolean(), heartbeat.Verify(proof, challenge, state));
            if (expected.TryGetProperty("proof", out var upstream))
            {
                Assert.Equal(Canonical(upstream), proof.ToJson());
                Assert.True(MerkleProof.TryParse(upstream, out var upstreamProof));
                Assert.True(heartbeat.Verify(upstreamProof!, challenge, state));
            }

            var flipped = proof.Blob.ToArray();
            flipped[0] ^= 1;
            Assert.Equal(expected.GetProperty("verify_with_flipped_blob").GetBoolean(), heartbeat.Verify(new MerkleProof(proof.Index, flipped, proof.Rows), challenge, state));
        }

        var after = v.GetProperty("state_after_challenges");
        Assert.Equal(after.GetProperty("index").GetInt32(), state.Index);
        Assert.Equal(after.Text("seed_b64"), Convert.ToBase64String(state.Seed));
        Assert.Equal(after.Text("hmac"), Hex.Of(state.Hmac));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void The_public_heartbeat_strips_the_key(string name)
    {
        var v = ProofVectors.Merkle(name);
        Assert.Equal(Canonical(v.GetProperty("public_heartbeat")), Heartbeat(v).PublicJson());
        Assert.Equal("""{"check_fraction":0.01,"key":""}""", MerkleHeartbeat.CreateForNode().PublicJson());
    }

    [Fact]
    public void A_state_with_every_challenge_issued_is_out_of_challenges()
    {
        var v = ProofVectors.Merkle("merkle_small");
        var heartbeat = Heartbeat(v);
        var (_, state) = Encode(v, Chunk(v));
        for (var i = 0; i < state.ChallengeCount; i++)
        {
            state = heartbeat.NextChallenge(state).State;
        }

        Assert.False(state.HasChallengesLeft);
        var e = Assert.Throws<MerkleStateException>(() => heartbeat.NextChallenge(state));
        Assert.Equal(ProofVectors.Proofs.GetProperty("merkle").Text("after_n_challenges"), e.Message);
    }

    [Fact]
    public void Leaf_hashes_match_the_examples()
    {
        var examples = ProofVectors.Proofs.GetProperty("merkle").GetProperty("leaf_hash_examples");
        Assert.Equal(examples.Text("blob=00*32,index=0"), Hex.Of(MerkleHeartbeat.LeafHash(new byte[32], 0)));
        Assert.Equal(examples.Text("blob=00*32,index=255"), Hex.Of(MerkleHeartbeat.LeafHash(new byte[32], 255)));
    }

    [Fact]
    public void A_tampered_proof_is_refused()
    {
        var (heartbeat, tag, state, chunk) = NodeChunk();
        (var firstChallenge, state) = heartbeat.NextChallenge(state);
        (var challenge, state) = heartbeat.NextChallenge(state);
        var proof = MerkleHeartbeat.Prove(chunk, challenge, tag);
        Assert.True(heartbeat.Verify(proof, challenge, state));

        for (var row = 0; row < proof.Rows.Count; row++)
        {
            foreach (var side in new[] { 0, 1 })
            {
                var rows = proof.Rows.Select(r => (r.Left.ToArray(), r.Right.ToArray())).ToArray();
                var target = side == 0 ? rows[row].Item1 : rows[row].Item2;
                target[^1] ^= 0x80;
                Assert.False(heartbeat.Verify(new MerkleProof(proof.Index, proof.Blob, rows), challenge, state), $"row {row} side {side}");
            }
        }

        // Left and right swapped, a row missing, a row too many, another leaf's proof.
        var swapped = proof.Rows.Select(r => (r.Right, r.Left)).ToArray();
        Assert.False(heartbeat.Verify(new MerkleProof(proof.Index, proof.Blob, swapped), challenge, state));
        Assert.False(heartbeat.Verify(new MerkleProof(proof.Index, proof.Blob, proof.Rows.Take(proof.Rows.Count - 1).ToArray()), challenge, state));
        Assert.False(heartbeat.Verify(new MerkleProof(proof.Index, proof.Blob, [.. proof.Rows, (tag.Root, tag.Root)]), challenge, state));
        var first = MerkleHeartbeat.Prove(chunk, firstChallenge, tag);
        Assert.False(heartbeat.Verify(first, challenge, state));
        Assert.False(heartbeat.Verify(new MerkleProof(0, proof.Blob, proof.Rows), challenge, state));
    }

    [Fact]
    public void A_farmer_that_deleted_or_replaced_its_data_cannot_answer()
    {
        var (heartbeat, tag, state, chunk) = NodeChunk();
        var failures = 0;
        for (var i = 0; i < 20; i++)
        {
            (var challenge, state) = heartbeat.NextChallenge(state);
            using var zeros = new MemoryStream(new byte[chunk.Length]);
            using var truncated = new MemoryStream(chunk.ToArray().AsSpan(0, (int)chunk.Length / 2).ToArray());
            using var empty = new MemoryStream();
            failures += heartbeat.Verify(MerkleHeartbeat.Prove(zeros, challenge, tag), challenge, state) ? 0 : 1;
            failures += heartbeat.Verify(MerkleHeartbeat.Prove(empty, challenge, tag), challenge, state) ? 0 : 1;

            // Half the file fails exactly the challenges whose bytes lie in the lost half.
            var lost = MerkleHeartbeat.ChunkHash(chunk, challenge.Seed, tag.FileSize, tag.ChunkSize, out var offset);
            var answered = heartbeat.Verify(MerkleHeartbeat.Prove(truncated, challenge, tag), challenge, state);
            Assert.Equal(offset + tag.ChunkSize <= chunk.Length / 2, answered);
            Assert.True(heartbeat.Verify(new MerkleProof(challenge.Index, lost, MerkleHeartbeat.Prove(chunk, challenge, tag).Rows), challenge, state));
        }

        Assert.Equal(40, failures);
    }

    [Fact]
    public void An_altered_state_or_another_nodes_key_is_refused()
    {
        var (heartbeat, tag, state, chunk) = NodeChunk();
        var (challenge, next) = heartbeat.NextChallenge(state);
        var proof = MerkleHeartbeat.Prove(chunk, challenge, tag);

        var rewound = new MerkleState(0, next.Seed, next.ChallengeCount, next.Root, next.Hmac, next.Timestamp);
        Assert.Equal(MerkleStateException.InvalidSignature, Assert.Throws<MerkleStateException>(() => heartbeat.NextChallenge(rewound)).Message);
        var otherRoot = new MerkleState(next.Index, next.Seed, next.ChallengeCount, new byte[32], next.Hmac, next.Timestamp);
        Assert.Throws<MerkleStateException>(() => heartbeat.Verify(proof, challenge, otherRoot));
        var otherNode = new MerkleHeartbeat(new byte[32], MerkleHeartbeat.NodeCheckFraction);
        Assert.Throws<MerkleStateException>(() => otherNode.Verify(proof, challenge, next));
        Assert.True(heartbeat.Verify(proof, challenge, next));
    }

    [Fact]
    public void Proofs_are_read_as_the_node_read_them()
    {
        var (heartbeat, tag, state, chunk) = NodeChunk();
        (var challenge, state) = heartbeat.NextChallenge(state);
        (challenge, state) = heartbeat.NextChallenge(state);
        var good = JsonDocument.Parse(MerkleHeartbeat.Prove(chunk, challenge, tag).ToJson()).RootElement;
        Assert.True(MerkleProof.TryParse(good, out var parsed));
        Assert.True(heartbeat.Verify(parsed!, challenge, state));

        // Proof corrupted: not an object, keys missing, rows not pairs, bad padding.
        foreach (var corrupted in new[]
        {
            "[]", "\"proof\"", "{}", """{"leaf": {"index": 1}, "branch": {"rows": []}}""",
            """{"leaf": {"index": 1, "blob": "AA=="}, "branch": {"rows": [["AA=="]]}}""",
            """{"leaf": {"index": 1, "blob": "AAA"}, "branch": {"rows": []}}""",
            """{"leaf": {"index": 1, "blob": "AA=="}, "branch": {"rows": [[1, 2]]}}""",
        })
        {
            Assert.False(MerkleProof.TryParse(JsonDocument.Parse(corrupted).RootElement, out _), corrupted);
        }

        // Invalid proof: lenient Base64 ("!!!" is empty), an index given as a string.
        var bang = good.GetRawText().Replace(Convert.ToBase64String(parsed!.Blob), "!!!", StringComparison.Ordinal);
        Assert.True(MerkleProof.TryParse(JsonDocument.Parse(bang).RootElement, out var empty));
        Assert.Empty(empty!.Blob);
        Assert.False(heartbeat.Verify(empty, challenge, state));
        var quoted = good.GetRawText().Replace("\"index\":1", "\"index\":\"1\"", StringComparison.Ordinal);
        Assert.True(MerkleProof.TryParse(JsonDocument.Parse(quoted).RootElement, out var stringIndex));
        Assert.Equal(MerkleProof.NotAnIndex, stringIndex!.Index);
        Assert.False(heartbeat.Verify(stringIndex, challenge, state));
    }

    [Fact]
    public void Tags_and_challenges_survive_a_round_trip_through_json()
    {
        var (heartbeat, tag, state, chunk) = NodeChunk();
        (var challenge, state) = heartbeat.NextChallenge(state);
        Assert.True(MerkleTag.TryParse(JsonDocument.Parse(tag.ToJson()).RootElement, out var tagBack));
        Assert.True(MerkleChallenge.TryParse(JsonDocument.Parse(challenge.ToJson()).RootElement, out var challengeBack));
        Assert.Equal(tag.ToJson(), tagBack!.ToJson());
        Assert.True(heartbeat.Verify(MerkleHeartbeat.Prove(chunk, challengeBack!, tagBack), challenge, state));
        Assert.False(MerkleTag.TryParse(JsonDocument.Parse("""{"chunksz": 1, "filesz": 1, "tree": {"order": 30, "nodes": []}}""").RootElement, out _));
        Assert.False(MerkleChallenge.TryParse(JsonDocument.Parse("""{"seed": "AA==", "index": -1}""").RootElement, out _));
    }

    [Fact]
    public void A_node_sized_chunk_reads_one_percent_per_challenge()
    {
        var heartbeat = MerkleHeartbeat.CreateForNode();
        Assert.Equal(335_544, heartbeat.ChunkSizeFor(33_554_432));
        Assert.Equal(0, heartbeat.ChunkSizeFor(99));
        Assert.Equal(8192, new MerkleHeartbeat(new byte[32], null).ChunkSizeFor(1 << 30));
    }

    private static (MerkleHeartbeat Heartbeat, MerkleTag Tag, MerkleState State, MemoryStream Chunk) NodeChunk()
    {
        var v = ProofVectors.Merkle("merkle_node_default");
        var chunk = Chunk(v);
        var (tag, state) = Encode(v, chunk);
        return (Heartbeat(v), tag, state, chunk);
    }

    private static MerkleHeartbeat Heartbeat(JsonElement v)
    {
        var fraction = v.GetProperty("check_fraction");
        var chunkSize = v.GetProperty("chunksz_arg");
        return new MerkleHeartbeat(
            v.Bytes("key"),
            fraction.ValueKind == JsonValueKind.Null ? null : fraction.GetDouble(),
            chunkSize.ValueKind == JsonValueKind.Null ? MerkleHeartbeat.DefaultChunkSize : chunkSize.GetInt64());
    }

    private static (MerkleTag Tag, MerkleState State) Encode(JsonElement v, MemoryStream chunk) =>
        Heartbeat(v).Encode(chunk, v.GetProperty("n").GetInt32(), v.Bytes("state_seed"), v.GetProperty("state_timestamp").GetDouble());

    // "RandomIO('granary-small').read(1000)"
    private static MemoryStream Chunk(JsonElement v)
    {
        var match = DataExpression().Match(v.Text("data"));
        Assert.True(match.Success, v.Text("data"));
        using var random = new RandomIo(match.Groups[1].Value);
        var bytes = new byte[int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)];
        random.Read(0, bytes);
        return new MemoryStream(bytes, writable: false);
    }

    // Python's json.dumps(sort_keys=True, separators=(",", ":")) of an upstream todict().
    private static string Canonical(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteSorted(writer, element);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteSorted(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    [GeneratedRegex(@"^RandomIO\('([^']*)'\)\.read\((\d+)\)$")]
    private static partial Regex DataExpression();
}
