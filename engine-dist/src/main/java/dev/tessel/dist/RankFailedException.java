// RankFailedException: a collective could not complete because another rank of the world failed.
//
// Invariant: the message names the rank that failed first and why, so a log of any surviving
// rank says where to look.
package dev.tessel.dist;

/** Thrown by a rank's collective (or by a launcher) once a peer rank has failed. */
public final class RankFailedException extends RuntimeException {
    public RankFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
