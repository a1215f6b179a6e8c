using System.Data.Common;
using Granary.Core.Proofs;
using Granary.Hub.Data;

namespace Granary.Hub.Downstream;

/// <summary>A farmer's token as the hub keeps it.</summary>
internal sealed record FarmerToken(long Id, string Token, string FarmerId, string Address, string Ip, long Heartbeats);

/// <summary>
/// The downstream node's tables: the heartbeat key, farmer tokens and chunk contracts with their
/// challenge state. Changes to a contract are conditional on the state they were computed from,
/// so two requests racing on one contract cannot both issue its next challenge or both count an answer.
/// </summary>
internal sealed class DownstreamStore(HubDatabase database)
{
    private const int KeySize = 32;
    private const string TokenColumns = "id, token, farmer_id, address, ip, heartbeats";
    private const string ContractColumns = "id, token_id, seed, size, interval_us, start_at, due_at, answered, challenge_index, challenge_count, state_seed, root, hmac";

    /// <summary>The hub's heartbeat key, made on first use and kept: a new key would invalidate every stored state.</summary>
    public async Task<byte[]> HeartbeatKeyAsync(CancellationToken cancellationToken)
    {
        using (var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false))
        {
            var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var scope = connection.ConfigureAwait(false);
            using var insert = Sql.Command(
                connection,
                "INSERT INTO downstream_key (id, heartbeat_key) VALUES (1, @key) ON CONFLICT (id) DO NOTHING",
                ("key", System.Security.Cryptography.RandomNumberGenerator.GetBytes(KeySize)));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var reading = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var readScope = reading.ConfigureAwait(false);
        using var select = Sql.Command(reading, "SELECT heartbeat_key FROM downstream_key WHERE id = 1");
        return (byte[])(await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<long> TokensAtAsync(string ip, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, "SELECT COUNT(*) FROM downstream_token WHERE ip = @ip", ("ip", ip));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task AddTokenAsync(DownstreamToken token, string address, string ip, string message, string signature, long nowMicros, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            "INSERT INTO downstream_token (token, farmer_id, address, ip, message, signature, heartbeats, created_at) VALUES (@token, @farmer, @address, @ip, @message, @signature, 0, @now)",
            ("token", token.Token),
            ("farmer", token.FarmerId),
            ("address", address),
            ("ip", ip),
            ("message", message),
            ("signature", signature),
            ("now", nowMicros));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<FarmerToken?> FindTokenAsync(string token, CancellationToken cancellationToken) =>
        FindTokenByAsync("token", token, cancellationToken);

    public Task<FarmerToken?> FindFarmerAsync(string farmerId, CancellationToken cancellationToken) =>
        FindTokenByAsync("farmer_id", farmerId, cancellationToken);

    public async Task MoveTokenAsync(long tokenId, string ip, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, "UPDATE downstream_token SET ip = @ip WHERE id = @id", ("ip", ip), ("id", tokenId));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Bytes of every contract ever made for any token of the address.</summary>
    public async Task<long> ContractBytesAsync(string address, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        return await ContractBytesAsync(connection, null, address, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records contracts for the chunks, in order, while the address stays within
    /// <paramref name="maxBytes"/> (counted again inside the transaction, against what other requests
    /// added meanwhile). Each is handed out now with its first challenge due one interval later.
    /// </summary>
    public async Task<IReadOnlyList<Contract>> AddContractsAsync(
        FarmerToken token, IReadOnlyList<(SeededChunk Chunk, MerkleState State)> chunks, long maxBytes, long nowMicros, long intervalMicros, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        if (database.Dialect == SqlDialect.Postgres)
        {
            // Requests for one address take turns at its cap; SQLite's write turn does this already.
            using var lockTokens = Sql.Command(connection, "SELECT id FROM downstream_token WHERE address = @address ORDER BY id FOR UPDATE", ("address", token.Address));
            lockTokens.Transaction = transaction;
            await lockTokens.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var used = await ContractBytesAsync(connection, transaction, token.Address, cancellationToken).ConfigureAwait(false);
        var added = new List<Contract>(chunks.Count);
        foreach (var (chunk, state) in chunks)
        {
            if (used + chunk.Size > maxBytes)
            {
                break;
            }

            var contract = new Contract(0, token.Id, chunk.Seed, chunk.Size, intervalMicros, nowMicros, nowMicros + intervalMicros, false, state);
            using var insert = Sql.Command(
                connection,
                $"""
                INSERT INTO downstream_contract ({ContractColumns[4..]})
                VALUES (@token, @seed, @size, @interval, @start, @due, 0, @index, @count, @stateSeed, @root, @hmac)
                RETURNING id
                """,
                ("token", token.Id),
                ("seed", chunk.Seed),
                ("size", chunk.Size),
                ("interval", intervalMicros),
                ("start", nowMicros),
                ("due", contract.DueMicros),
                ("index", state.Index),
                ("count", state.ChallengeCount),
                ("stateSeed", state.Seed),
                ("root", state.Root),
                ("hmac", state.Hmac));
            insert.Transaction = transaction;
            var id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            added.Add(contract with { Id = id });
            used += chunk.Size;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return added;
    }

    /// <summary>The token's contracts, expired ones included, in the order they were made.</summary>
    public async Task<IReadOnlyList<Contract>> ContractsAsync(long tokenId, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, $"SELECT {ContractColumns} FROM downstream_contract WHERE token_id = @token ORDER BY id", ("token", tokenId));
        return await ReadContractsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The contract with this id if it belongs to the token.</summary>
    public async Task<Contract?> FindContractAsync(long tokenId, long id, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection, $"SELECT {ContractColumns} FROM downstream_contract WHERE id = @id AND token_id = @token", ("id", id), ("token", tokenId));
        var found = await ReadContractsAsync(command, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>Stores the contract's next challenge; false when another request changed the contract since <paramref name="before"/> was read.</summary>
    public async Task<bool> IssueAsync(Contract before, Contract after, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(
            connection,
            """
            UPDATE downstream_contract SET due_at = @due, answered = 0, challenge_index = @index, state_seed = @seed, hmac = @hmac
            WHERE id = @id AND challenge_index = @before
            """,
            ("due", after.DueMicros),
            ("index", after.State.Index),
            ("seed", after.State.Seed),
            ("hmac", after.State.Hmac),
            ("id", before.Id),
            ("before", before.State.Index));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Records a verified answer to the contract's current challenge and counts a heartbeat for its
    /// token; false when that challenge was answered (or replaced) meanwhile.
    /// </summary>
    public async Task<bool> AnswerAsync(Contract contract, CancellationToken cancellationToken)
    {
        using var turn = await database.WriteTurnAsync(cancellationToken).ConfigureAwait(false);
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        using var answer = Sql.Command(
            connection,
            "UPDATE downstream_contract SET answered = 1 WHERE id = @id AND answered = 0 AND challenge_index = @index",
            ("id", contract.Id),
            ("index", contract.State.Index));
        answer.Transaction = transaction;
        if (await answer.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return false;
        }

        using var count = Sql.Command(connection, "UPDATE downstream_token SET heartbeats = heartbeats + 1 WHERE id = @token", ("token", contract.TokenId));
        count.Transaction = transaction;
        await count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Every token with its contracts, in the order the tokens were made (for the status routes).</summary>
    public async Task<IReadOnlyList<(FarmerToken Token, List<Contract> Contracts)>> FarmersAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        var farmers = new List<(FarmerToken, List<Contract>)>();
        var byId = new Dictionary<long, List<Contract>>();
        using (var tokens = Sql.Command(connection, $"SELECT {TokenColumns} FROM downstream_token ORDER BY id"))
        {
            using var reader = await tokens.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var token = ReadToken(reader);
                var contracts = new List<Contract>();
                byId[token.Id] = contracts;
                farmers.Add((token, contracts));
            }
        }

        using var all = Sql.Command(connection, $"SELECT {ContractColumns} FROM downstream_contract ORDER BY id");
        foreach (var contract in await ReadContractsAsync(all, cancellationToken).ConfigureAwait(false))
        {
            if (byId.TryGetValue(contract.TokenId, out var list))
            {
                list.Add(contract);
            }
        }

        return farmers;
    }

    private async Task<FarmerToken?> FindTokenByAsync(string column, string value, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var scope = connection.ConfigureAwait(false);
        using var command = Sql.Command(connection, $"SELECT {TokenColumns} FROM downstream_token WHERE {column} = @value", ("value", value));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadToken(reader) : null;
    }

    private static async Task<long> ContractBytesAsync(DbConnection connection, DbTransaction? transaction, string address, CancellationToken cancellationToken)
    {
        using var command = Sql.Command(
            connection,
            "SELECT COALESCE(SUM(c.size), 0) FROM downstream_contract c JOIN downstream_token t ON t.id = c.token_id WHERE t.address = @address",
            ("address", address));
        command.Transaction = transaction;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static FarmerToken ReadToken(DbDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5));

    private static async Task<List<Contract>> ReadContractsAsync(DbCommand command, CancellationToken cancellationToken)
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var contracts = new List<Contract>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var state = new MerkleState(
                reader.GetInt32(8), reader.GetFieldValue<byte[]>(10), reader.GetInt32(9), reader.GetFieldValue<byte[]>(11), reader.GetFieldValue<byte[]>(12), SeededChunk.StateTimestamp);
            contracts.Add(new Contract(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt32(7) != 0, state));
        }

        return contracts;
    }
}
