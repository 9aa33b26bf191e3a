namespace Mailbox.Tests.Support;

/// <summary>A callback that holds the loop until the test opens it: the deterministic way to queue work behind a busy loop.</summary>
public sealed class Gate : IDisposable
{
    private readonly ManualResetEventSlim _entered = new();
    private readonly ManualResetEventSlim _open = new();

    /// <summary>Post this: it signals that the loop is inside it, then blocks the loop until <see cref="Open"/>.</summary>
    public void Hold()
    {
        _entered.Set();
        _open.Wait(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits (bounded) until the loop is inside <see cref="Hold"/>.</summary>
    public Task EnteredAsync() => Task.Run(() => Assert.True(_entered.Wait(TimeSpan.FromSeconds(10)), "the loop never entered the gate"));

    /// <summary>Lets the loop go on.</summary>
    public void Open() => _open.Set();

    public void Dispose()
    {
        _open.Set();
        _entered.Dispose();
        _open.Dispose();
    }
}
