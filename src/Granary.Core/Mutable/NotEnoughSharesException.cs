namespace Granary.Core.Mutable;

/// <summary>Fewer than k distinct good shares of any version were found: no version can be read.</summary>
public sealed class NotEnoughSharesException : Exception
{
    public NotEnoughSharesException()
    {
    }

    public NotEnoughSharesException(string message)
        : base(message)
    {
    }

    public NotEnoughSharesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
