namespace Granary.Cli;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread, in order. The framework's
/// <c>Progress&lt;T&gt;</c> posts to the thread pool, which would draw stale figures out of order.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
