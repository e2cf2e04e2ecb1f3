import "./style.css";
import { startApp } from "./app";
import { registerWorker } from "./push";

const root = document.getElementById("app");
if (root) void startApp(root);
void registerWorker(); // the PWA's service worker: shows pushed alerts
