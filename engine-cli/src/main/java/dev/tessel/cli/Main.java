package dev.tessel.cli;

/** Entry point of the ./tessel command. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("tessel: no verbs yet");
    }
}
