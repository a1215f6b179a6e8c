using System.Text.Json;

namespace Granary.Cli.Commands.Bench;

internal static class BenchJson
{
    public static JsonSerializerOptions Options { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
