namespace Mailbox;

/// <summary>
/// Names one timer set with <see cref="LoopActor.CallLater{TState}"/>, so that it can be cancelled from any thread. A
/// value, not an object: the loop reuses what stands behind it, which is why setting such a timer on the loop thread
/// allocates nothing; a token of a timer that fired or was cancelled stays inert, whatever the loop reuses. The default
/// token names no timer.
/// </summary>
public readonly struct TimerToken : IEquatable<TimerToken>
{
    private readonly TimerCell? _cell;
    private readonly long _generation;

    internal TimerToken(TimerCell cell, long generation)
    {
        _cell = cell;
        _generation = generation;
    }

    /// <summary>Whether this is the default token, which names no timer.</summary>
    public bool IsDefault => _cell is null;

    /// <summary>Compares two tokens.</summary>
    /// <param name="left">One token.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether both name the same timer.</returns>
    public static bool operator ==(TimerToken left, TimerToken right) => left.Equals(right);

    /// <summary>Compares two tokens.</summary>
    /// <param name="left">One token.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they name different timers.</returns>
    public static bool operator !=(TimerToken left, TimerToken right) => !left.Equals(right);

    /// <summary>
    /// Stops the timer. True only if this call stopped a timer that had not fired; false after it fired, after a stop
    /// cancelled it, the second time, and for the default token. Any thread; it never waits for a callback that is running.
    /// </summary>
    /// <returns>Whether this call cancelled the timer.</returns>
    public bool Cancel()
    {
        if (_cell is null || !_cell.TryCancel(_generation))
        {
            return false;
        }

        _cell.Loop.OnTimerCancelled(_cell, _generation);
        return true;
    }

    /// <summary>Whether both name the same timer.</summary>
    /// <param name="other">The other token.</param>
    /// <returns>True for the same use of the same timer.</returns>
    public bool Equals(TimerToken other) => ReferenceEquals(_cell, other._cell) && _generation == other._generation;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TimerToken other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_cell, _generation);
}
