using System.Text.RegularExpressions;

namespace Granary.Core.Tests.Identity;

/// <summary>One entry of bitcoin-signmessage.yaml.</summary>
public sealed record SignMessageVector(string Wif, string Address, bool Compressed, string Message, string Signature)
{
    public static IReadOnlyList<SignMessageVector> Load()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "bitcoin-signmessage.yaml"));
        return text.Split("\n- ").Skip(1).Select(entry =>
        {
            string Field(string name) => Regex.Match(entry, $@"(?m)^\s*{name}: (.*)$").Groups[1].Value.Trim();
            var message = Field("message");
            return new SignMessageVector(
                Field("wif"), Field("address"), Field("compressed") == "true", message.Trim('"'), Field("signature"));
        }).ToList();
    }

    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Load().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public override string ToString() => $"{Address} '{Message[..Math.Min(12, Message.Length)]}'";
}
