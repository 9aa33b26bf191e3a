namespace Mailbox.TestKit;

/// <summary>
/// A callback that holds a loop's thread until the test opens it: the deterministic way to queue work behind a busy
/// loop. Post <see cref="Hold"/> (or let <see cref="LoopTestKit.HoldAsync"/> do it), await <see cref="EnteredAsync"/>,
/// queue work, then <see cref="Open"/>.
/// </summary>
/// <remarks>
/// A held loop answers nothing, queries included, so the kit's settling waits (<see cref="LoopTestKit.AdvanceAsync"/>,
/// <see cref="LoopTestKit.RunUntilIdleAsync"/>) fail on it after <see cref="LoopTestKit.Patience"/>: open the gate
/// first. Every wait is bounded: <see cref="Hold"/> lets the loop go after <see cref="HoldLimit"/> even if nobody opens it.
/// </remarks>
public sealed class Gate : IDisposable
{
    /// <summary>The longest <see cref="Hold"/> blocks a loop: a test that forgets to open the gate does not hang the run.</summary>
    public static readonly TimeSpan HoldLimit = TimeSpan.FromSeconds(30);

    /// <summary>Set once a loop is inside <see cref="Hold"/>.</summary>
    private readonly ManualResetEventSlim _entered = new();

    /// <summary>Set by <see cref="Open"/>: the held loop goes on.</summary>
    private readonly ManualResetEventSlim _open = new();

    /// <summary>1 once disposed, so a second dispose does nothing.</summary>
    private int _disposed;

    /// <summary>Whether a loop has entered <see cref="Hold"/>.</summary>
    public bool IsEntered => _entered.IsSet;

    /// <summary>Whether <see cref="Open"/> (or <see cref="Dispose"/>) has let the loop go.</summary>
    public bool IsOpen => _open.IsSet;

    /// <summary>Post this to a loop: it signals that the loop is inside it, then blocks the loop's thread until <see cref="Open"/>.</summary>
    public void Hold()
    {
        _entered.Set();
        _open.Wait(HoldLimit);
    }

    /// <summary>Completes once a loop is inside <see cref="Hold"/>; fails after <see cref="LoopTestKit.Patience"/> if none enters.</summary>
    /// <returns>A task that completes when the loop has entered.</returns>
    public Task EnteredAsync() => Task.Run(() =>
    {
        if (!_entered.Wait(LoopTestKit.Patience))
        {
            throw new Xunit.Sdk.XunitException($"the loop never entered the gate within {LoopTestKit.Patience} (is it held by another callback, or stopped?)");
        }
    });

    /// <summary>Lets the held loop go on.</summary>
    public void Open() => _open.Set();

    /// <summary>Opens the gate (a test never leaves a loop held) and frees its events.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _open.Set();
        _entered.Dispose();
        _open.Dispose();
    }
}
